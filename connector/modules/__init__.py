"""The modules: one package ``connector.modules.<name>`` each, whose ``__init__`` defines
``SPEC`` (``connector.specs.ModuleSpec``). Modules never import each other (see
``make lint``: import-linter); what several share lives below them.
"""
