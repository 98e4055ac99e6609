"""Compatibility with Fluent's own commercetools connector (a drop-in for its accounts).

- ``settings``: reads its Fluent settings (``fc.connect.commercetools.*``), RETAILER
  then ACCOUNT context, cached briefly, and writes batch settings back;
- ``effective``: those settings as a configuration source under the env;
- ``windows``: batch windows kept in the settings (``previousEndDate``, ``lastRun``,
  one-shot ``customDateRange``);
- ``jobs``/``api``: its job names and scheduler endpoint, its external-system webhook
  path, and the route listing (actuator-style).

Shared code below the modules: it never imports a module package.
"""
