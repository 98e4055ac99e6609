"""Compiled execution of planned operations: graphql-core's executor, unrolled per document.

Why: a batch write of the connector is one mutation with ~50 aliased root fields, each
selecting two or three plain fields of the object it returns. graphql-core's executor
re-derives the same facts for every field of every request (collects and groups the
sub-selections, builds a resolve info, looks up the field definition, walks the type
wrappers in ``complete_value``), which was about a third of the Fluent sandbox's CPU per
write request. Here that walk is done once per cached document: each selection set
becomes a list of compiled fields (definition, resolver, argument plan, and a completer
compiled from the field's type and sub-selection), and a request only runs them.

Exactness (what keeps this graphql-core's answer):

- the runtime steps are graphql-core's own (``Executor.execute_field``,
  ``complete_value``, ``complete_list_value``, ``complete_leaf_value``,
  ``complete_object_value``, ``handle_field_error``) in the same order, with the same
  messages; errors are located with graphql-core's ``located_error`` and collected in
  the executor's own ``CollectedErrors``, and the response is built by the executor's
  own ``build_response``; resolvers get the same arguments and the same resolve info
  (built only for resolvers that take it: registered resolvers, and callables found
  by the default resolver);
- abstract types complete as graphql-core's ``complete_abstract_value`` does: the
  type's ``resolve_type`` (or the executor's type resolver), the executor's own
  ``ensure_valid_runtime_type``, ``is_type_of`` with graphql-core's error; the
  selection is compiled per possible object type, with inline fragments expanded
  where graphql-core's ``does_fragment_condition_match`` says they apply;
- only operations graphql-core would collect field by field are compiled: no named
  fragments, no directives anywhere (``@skip``/``@include``/``@defer``/``@stream``,
  or ``@experimental_disableErrorPropagation`` on the operation), no response key
  selected twice for one object type (graphql-core would merge the field nodes), no
  ``__schema``/``__type``, no subscriptions. Anything else is not compiled and runs
  through graphql-core's executor (``graphql_plan.py``);
- tests/unit/sandbox/test_graphql_exec.py runs whole documents both ways (resolvers
  raising, null for non-null fields at every depth, lists with failing items, unknown
  ids, literal and variable arguments, defaults, abstract types resolving to nothing,
  to unknown, non-object or impossible types) and compares data and errors.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from graphql import (
    FieldNode,
    GraphQLAbstractType,
    GraphQLError,
    GraphQLField,
    GraphQLObjectType,
    GraphQLOutputType,
    GraphQLResolveInfo,
    GraphQLSchema,
    InlineFragmentNode,
    ListValueNode,
    ObjectValueNode,
    OperationDefinitionNode,
    OperationType,
    SelectionSetNode,
    Undefined,
    VariableNode,
    is_abstract_type,
    is_leaf_type,
    is_list_type,
    is_non_null_type,
    is_object_type,
    located_error,
)
from graphql.execution.collect_fields import (
    FieldDetails,
    does_fragment_condition_match,
)
from graphql.execution.executor import invalid_return_type_error
from graphql.execution.values import get_argument_values
from graphql.pyutils import Path, inspect, is_iterable

__all__ = ["CompiledOperation", "compile_operation"]

_INTROSPECTION_ROOTS = frozenset(("__schema", "__type"))


class _Unsupported(Exception):
    """The document uses something this compiler does not vouch for."""


# A completer: (run, field, path, result) -> completed value, or raises like
# graphql-core's complete_value.
Completer = Callable[["_Run", "_Field", Path, Any], Any]


class _Field:
    """One field of a selection set with everything graphql-core derives per call."""

    __slots__ = (
        "args_const",
        "args_fast",
        "complete",
        "details",
        "field_def",
        "has_args",
        "key",
        "name",
        "node",
        "nodes",
        "parent_name",
        "parent_type",
        "resolve",
        "return_type",
    )

    def __init__(
        self,
        node: FieldNode,
        field_def: GraphQLField,
        parent_type: GraphQLObjectType,
        complete: Completer,
    ) -> None:
        self.node = node
        self.nodes = [node]
        self.details = [FieldDetails(node, None)]  # graphql-core's field group
        self.key = node.alias.value if node.alias else node.name.value
        self.name = node.name.value
        self.field_def = field_def
        self.parent_type = parent_type
        self.parent_name = parent_type.name
        self.return_type = field_def.type
        self.resolve = field_def.resolve  # None: graphql-core's default resolver
        self.complete = complete
        self.has_args = bool(field_def.args or node.arguments)
        self.args_fast = _argument_plan(field_def, node)
        self.args_const = _constant_arguments(field_def, node)


def _argument_plan(
    field_def: GraphQLField, node: FieldNode
) -> list[tuple[str, str, bool]] | None:
    """(out name, variable name, non-null) per argument when every argument of the
    definition is given as a variable; None: graphql-core's ``get_argument_values``."""
    given = {arg.name.value: arg.value for arg in node.arguments or ()}
    if not field_def.args or set(given) != set(field_def.args):
        return None
    plan = []
    for name, arg_def in field_def.args.items():
        value = given[name]
        if not isinstance(value, VariableNode):
            return None
        out_name = getattr(arg_def, "out_name", None) or name
        plan.append((out_name, value.name.value, is_non_null_type(arg_def.type)))
    return plan


# Argument values that are immutable, so one coerced dict can serve every request
# (resolvers receive them as keyword arguments, i.e. in a dict of their own).
_IMMUTABLE = (str, int, float, bool, type(None))


def _has_variable(node: Any) -> bool:
    if isinstance(node, VariableNode):
        return True
    if isinstance(node, ListValueNode):
        return any(_has_variable(value) for value in node.values)
    if isinstance(node, ObjectValueNode):
        return any(_has_variable(field.value) for field in node.fields)
    return False


def _constant_arguments(
    field_def: GraphQLField, node: FieldNode
) -> dict[str, Any] | None:
    """graphql-core's ``get_argument_values`` once, for a field whose arguments do not
    refer to variables (literals and defaults only: the same values every request),
    when it succeeds and every value is an immutable scalar; else None."""
    if not field_def.args or any(
        _has_variable(arg.value) for arg in node.arguments or ()
    ):
        return None
    try:
        args = get_argument_values(field_def, node)
    except Exception:  # noqa: BLE001 - the error is graphql-core's, per request
        return None
    if any(type(value) not in _IMMUTABLE for value in args.values()):
        return None
    return args


class _Run:
    """Per-request state: the graphql-core executor whose state the fields share."""

    __slots__ = ("errors", "executor", "variable_values")

    def __init__(self, executor: Any) -> None:
        self.executor = executor
        self.errors = executor.collected_errors
        self.variable_values = executor.variable_values

    def info(self, field: _Field, path: Path) -> GraphQLResolveInfo:
        """graphql-core's ``Executor.build_resolve_info``."""
        ex = self.executor
        return GraphQLResolveInfo(
            field.name,
            field.nodes,
            field.return_type,
            field.parent_type,
            path,
            ex.schema,
            ex.fragment_definitions,
            ex.root_value,
            ex.operation,
            ex.variable_values,
            ex.context_value,
            ex.is_awaitable,
            ex.abort_signal,
            ex.async_helpers,
        )

    def args(self, field: _Field) -> dict[str, Any]:
        """graphql-core's ``get_argument_values`` (variables copied when it would)."""
        if field.args_const is not None:
            return field.args_const
        plan = field.args_fast
        if plan is not None:
            coerced = self.variable_values.coerced
            args: dict[str, Any] = {}
            for out_name, var_name, non_null in plan:
                value = coerced.get(var_name, Undefined)
                if value is Undefined or (value is None and non_null):
                    break  # defaults or an error: graphql-core's own path
                args[out_name] = value
            else:
                return args
        return get_argument_values(field.field_def, field.node, self.variable_values)

    def handle_error(
        self, raw: Exception, return_type: GraphQLOutputType, field: _Field, path: Path
    ) -> None:
        """graphql-core's ``Executor.handle_field_error`` (error propagation on)."""
        error = located_error(raw, field.nodes, path.as_list())
        if is_non_null_type(return_type):
            raise error
        self.errors.add(error, path)

    def execute_field(self, field: _Field, source: Any, path: Path) -> Any:
        """graphql-core's ``Executor.execute_field`` for a synchronous resolver."""
        try:
            args = self.args(field) if field.has_args else {}
            resolve = field.resolve
            if resolve is not None:
                result = resolve(source, self.info(field, path), **args)
            else:  # graphql-core's default_field_resolver
                result = (
                    source.get(field.name)
                    if isinstance(source, Mapping)
                    else getattr(source, field.name, None)
                )
                if callable(result):
                    result = result(self.info(field, path), **args)
            return field.complete(self, field, path, result)
        except Exception as raw:  # noqa: BLE001 - graphql-core locates any error
            self.handle_error(raw, field.return_type, field, path)
            return None

    def execute_fields(
        self, fields: list[_Field], source: Any, path: Path | None
    ) -> dict[str, Any]:
        """graphql-core's ``execute_fields`` / ``execute_fields_serially`` (the same
        for synchronous resolvers: one field after the other, in document order)."""
        results: dict[str, Any] = {}
        execute_field = self.execute_field
        for field in fields:
            results[field.key] = execute_field(
                field, source, Path(path, field.key, field.parent_name)
            )
        return results


# -------------------------------------------------------------------- completers
def _non_null(inner: Completer) -> Completer:
    def complete(run: _Run, field: _Field, path: Path, result: Any) -> Any:
        if isinstance(result, Exception):
            raise result
        completed = inner(run, field, path, result)
        if completed is None:
            msg = (
                "Cannot return null for non-nullable field"
                f" {field.parent_type}.{field.name}."
            )
            raise TypeError(msg)
        return completed

    return complete


def _list(item_type: GraphQLOutputType, item: Completer) -> Completer:
    def complete(run: _Run, field: _Field, path: Path, result: Any) -> Any:
        if isinstance(result, Exception):
            raise result
        if result is None or result is Undefined:
            return None
        if not is_iterable(result):
            msg = (
                "Expected Iterable, but did not find one for field"
                f" '{field.parent_type}.{field.name}'."
            )
            raise GraphQLError(msg)
        completed: list[Any] = []
        append = completed.append
        for index, value in enumerate(result):
            item_path = Path(path, index, None)
            try:
                append(item(run, field, item_path, value))
            except Exception as raw:  # noqa: BLE001 - as complete_list_item_value
                run.handle_error(raw, item_type, field, item_path)
                append(None)
        return completed

    return complete


def _leaf(return_type: Any) -> Completer:
    def complete(run: _Run, field: _Field, path: Path, result: Any) -> Any:
        if isinstance(result, Exception):
            raise result
        if result is None or result is Undefined:
            return None
        coerced = return_type.coerce_output_value(result)
        if coerced is Undefined or coerced is None:
            msg = (
                f"Expected `{inspect(return_type)}.coerce_output_value("
                f"{inspect(result)})` to return non-nullable value, returned:"
                f" {inspect(coerced)}"
            )
            raise TypeError(msg)
        return coerced

    return complete


def _field_path(path: Path) -> Path:
    """The path of the field whose value (or list item at some depth) is at ``path``:
    graphql-core's resolve info of a list's items is the list field's."""
    while isinstance(path.key, int):
        path = path.prev  # type: ignore[assignment]
    return path


def _is_type_of(
    run: _Run, type_: GraphQLObjectType, field: _Field, path: Path, result: Any
) -> None:
    """The ``is_type_of`` check of graphql-core's ``complete_object_value``."""
    if not type_.is_type_of(result, run.info(field, _field_path(path))):  # type: ignore[misc]
        raise invalid_return_type_error(type_, result, field.details)


def _object(type_: GraphQLObjectType, fields: list[_Field]) -> Completer:
    def complete(run: _Run, field: _Field, path: Path, result: Any) -> Any:
        if isinstance(result, Exception):
            raise result
        if result is None or result is Undefined:
            return None
        if type_.is_type_of:
            _is_type_of(run, type_, field, path, result)
        return run.execute_fields(fields, result, path)

    return complete


def _abstract(
    return_type: GraphQLAbstractType, by_type: dict[str, list[_Field]]
) -> Completer:
    """graphql-core's ``complete_abstract_value``: the runtime type from the type's
    ``resolve_type`` (or the executor's type resolver), checked by the executor's own
    ``ensure_valid_runtime_type``, then that type's compiled selection."""

    def complete(run: _Run, field: _Field, path: Path, result: Any) -> Any:
        if isinstance(result, Exception):
            raise result
        if result is None or result is Undefined:
            return None
        executor = run.executor
        info = run.info(field, _field_path(path))
        resolve_type = return_type.resolve_type or executor.type_resolver
        runtime_type = executor.ensure_valid_runtime_type(
            resolve_type(result, info, return_type),
            return_type,
            field.details,
            info,
            result,
        )
        if runtime_type.is_type_of:
            _is_type_of(run, runtime_type, field, path, result)
        return run.execute_fields(by_type[runtime_type.name], result, path)

    return complete


# ---------------------------------------------------------------------- compiler
class _Compiler:
    def __init__(self, schema: GraphQLSchema) -> None:
        self.schema = schema

    def selection(
        self, parent_type: GraphQLObjectType, selection_set: SelectionSetNode
    ) -> list[_Field]:
        fields: list[_Field] = []
        for node in self._collect(parent_type, selection_set, {}).values():
            field_def = self.schema.get_field(parent_type, node.name.value)
            if field_def is None:
                raise _Unsupported
            complete = self.completer(field_def.type, node)
            fields.append(_Field(node, field_def, parent_type, complete))
        return fields

    def _collect(
        self,
        parent_type: GraphQLObjectType,
        selection_set: SelectionSetNode,
        collected: dict[str, FieldNode],
    ) -> dict[str, FieldNode]:
        """graphql-core's ``collect_fields`` for a selection without directives or
        named fragments, whose response keys are each selected once for this type:
        field nodes by response key, in document order, inline fragments whose type
        condition applies to ``parent_type`` expanded in place."""
        for selection in selection_set.selections:
            if selection.directives:
                raise _Unsupported
            if isinstance(selection, FieldNode):
                name = selection.name.value
                if name in _INTROSPECTION_ROOTS:
                    raise _Unsupported
                key = selection.alias.value if selection.alias else name
                if key in collected:
                    raise _Unsupported  # graphql-core merges the field nodes
                collected[key] = selection
            elif isinstance(selection, InlineFragmentNode):
                if does_fragment_condition_match(self.schema, selection, parent_type):
                    self._collect(parent_type, selection.selection_set, collected)
            else:
                raise _Unsupported  # named fragments
        return collected

    def completer(self, type_: GraphQLOutputType, node: FieldNode) -> Completer:
        if is_non_null_type(type_):
            return _non_null(self.completer(type_.of_type, node))  # type: ignore[union-attr]
        if is_list_type(type_):
            item_type = type_.of_type  # type: ignore[union-attr]
            return _list(item_type, self.completer(item_type, node))
        if is_leaf_type(type_):
            if node.selection_set is not None:
                raise _Unsupported
            return _leaf(type_)
        if node.selection_set is None:
            raise _Unsupported
        if is_object_type(type_):
            return _object(type_, self.selection(type_, node.selection_set))  # type: ignore[arg-type]
        if is_abstract_type(type_):
            by_type = {
                possible.name: self.selection(possible, node.selection_set)
                for possible in self.schema.get_possible_types(type_)  # type: ignore[arg-type]
            }
            return _abstract(type_, by_type)  # type: ignore[arg-type]
        raise _Unsupported


class CompiledOperation:
    """The root fields of one operation, compiled (see module doc)."""

    def __init__(self, fields: list[_Field]) -> None:
        self.fields = fields

    def execute(self, executor: Any) -> Any:
        """graphql-core's ``Executor.execute_operation`` for this operation, on
        ``executor`` (an ``IncrementalExecutor`` built for the request)."""
        run = _Run(executor)
        try:
            data = run.execute_fields(self.fields, executor.root_value, None)
        except GraphQLError as error:
            executor.collected_errors.add(error, None)
            return executor.finish(executor.build_response(None))
        return executor.finish(executor.build_response(data))


def compile_operation(
    schema: GraphQLSchema, operation: OperationDefinitionNode
) -> CompiledOperation | None:
    """The compiled operation, or None when graphql-core's executor must run it."""
    if operation.directives or operation.operation not in (
        OperationType.QUERY,
        OperationType.MUTATION,
    ):
        return None
    root_type = schema.get_root_type(operation.operation)
    if root_type is None:
        return None
    try:
        fields = _Compiler(schema).selection(root_type, operation.selection_set)
    except (_Unsupported, RecursionError):
        return None
    return CompiledOperation(fields)
