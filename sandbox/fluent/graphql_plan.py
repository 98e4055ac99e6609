"""Per-document execution plans for ``POST /graphql``: graphql-core, minus repeated work.

Why: a batch write of the connector is one document with ~50 aliased mutations, each
taking a large input object in its own variable. graphql-core coerces variables by
walking every value against the type with generic checks (``coerce_input_value`` plus
the ``input_is_nested_too_deeply`` guard), which was a quarter of the sandbox's CPU per
write request. A plan is built once per cached document: the selected operation, its
fragments, the variable signatures and, per variable, a coercer compiled from the
variable's type, and the operation compiled for execution (``graphql_exec.py``) where
that compiler vouches for it; each request then only runs the compiled coercers and
the compiled operation, or graphql-core's own executor (``IncrementalExecutor``, the
class ``execute_sync`` uses), on the result.

Exactness (what guards this against drift from graphql-core):

- the compiled coercer mirrors ``graphql.utilities.coerce_input_value`` branch by
  branch (non-null, list with the list-of-one rule, input object with unknown fields,
  required fields, defaults via graphql-core's own ``coerce_default_value`` and
  ``out_name``/``out_type``) and calls the type's own leaf coercer for scalars and
  enums; it returns a value only where graphql-core would return the same value;
- on anything else - a null or missing required value, an unknown field, a scalar that
  fails, oneOf input objects, values nested near graphql-core's depth limit, a missing
  variable with a default, a value that is not plain JSON - it gives up, and the request
  runs through ``execute_sync`` unchanged, which produces graphql-core's errors;
- operations with fragment variables, middleware or several anonymous operations are
  never planned (``execute_sync`` runs them);
- tests/unit/sandbox/test_graphql_plan.py compares both paths on random valid and
  invalid values of every input type of the schema and on whole documents.
"""

from __future__ import annotations

from collections.abc import Callable
from inspect import iscoroutine
from typing import Any

from graphql import (
    DocumentNode,
    ExecutionResult,
    FragmentDefinitionNode,
    GraphQLError,
    GraphQLInputObjectType,
    GraphQLInputType,
    GraphQLSchema,
    OperationDefinitionNode,
    Undefined,
    assert_valid_schema,
    default_field_resolver,
    default_type_resolver,
    execute_sync,
    is_input_object_type,
    is_leaf_type,
    is_list_type,
    is_non_null_type,
    is_required_input_field,
    is_scalar_type,
)
from graphql.execution.execute import (
    assume_not_async_iterable,
    assume_not_awaitable,
)
from graphql.execution.executor import FragmentDetails
from graphql.execution.get_variable_signature import (
    GraphQLVariableSignature,
    get_variable_signature,
)
from graphql.execution.incremental.incremental_executor import IncrementalExecutor
from graphql.execution.values import VariableValues, VariableValueSource
from graphql.language.parser import MAX_NESTING_DEPTH
from graphql.type.scalars import coerce_id, coerce_string
from graphql.utilities.coerce_input_value import coerce_default_value

from .graphql_exec import CompiledOperation, compile_operation

__all__ = ["DocumentPlan", "InputCoercers", "execute_planned"]

Coercer = Callable[[Any, int], Any]

# Give up well before graphql-core's nesting guard could trigger (it counts list items
# and object fields, and looks one level below a null list).
_DEPTH_LIMIT = MAX_NESTING_DEPTH - 2
# JSON values that are not lists: graphql-core wraps these in a list of one for a list
# type (``is_iterable`` is false for str and dict; numbers and booleans are scalars).
_NOT_LIST = (str, int, float, bool, dict)


# Leaf coercers that return a str input unchanged (graphql-core's String and ID).
_STR_IDENTITY = (coerce_string, coerce_id)


class Invalid(Exception):
    """The fast coercer cannot vouch for this value: use graphql-core's own path."""


class InputCoercers:
    """Compiled coercers for the input types of one schema (named types cached)."""

    def __init__(self, schema: GraphQLSchema) -> None:
        self.schema = schema
        self._named: dict[str, Coercer] = {}

    def get(self, type_: GraphQLInputType) -> Coercer:
        if is_non_null_type(type_):
            return _non_null(self.get(type_.of_type))  # type: ignore[union-attr]
        if is_list_type(type_):
            return _list(self.get(type_.of_type))  # type: ignore[union-attr]
        name = type_.name  # type: ignore[union-attr]
        coercer = self._named.get(name)
        if coercer is None:
            if is_input_object_type(type_):
                coercer = self._input_object(type_)  # type: ignore[arg-type]
            elif is_leaf_type(type_):
                coercer = _leaf(type_.coerce_input_value)  # type: ignore[union-attr]
            else:
                coercer = _never
            self._named[name] = coercer
        return coercer

    def _input_object(self, type_: GraphQLInputObjectType) -> Coercer:
        if type_.is_one_of:
            return _never
        names = frozenset(type_.fields)
        out_type = type_.out_type
        # (name, out name, coercer, required, has a default, text); coercers of the
        # fields are filled in after this type is registered, so recursive types
        # terminate; ``text``: a str value is its own coerced value (see _text_field)
        fields: list[tuple[str, str, Coercer, bool, Any, bool]] = []

        def coerce(value: Any, depth: int) -> Any:
            if value is None:
                return None
            if type(value) is not dict or depth > _DEPTH_LIMIT:
                raise Invalid
            if not names.issuperset(value):
                raise Invalid  # unknown field
            out: dict[str, Any] = {}
            get = value.get
            inner = depth + 1
            for name, out_name, field_coercer, required, default_of, text in fields:
                field_value = get(name, Undefined)
                if field_value is Undefined:
                    if required:
                        raise Invalid
                    if default_of is not None:
                        default = coerce_default_value(default_of)
                        if default is not Undefined:
                            out[out_name] = default
                elif text and field_value.__class__ is str:
                    out[out_name] = field_value
                else:
                    out[out_name] = field_coercer(field_value, inner)
            return out_type(out) if out_type is not None else out

        self._named[type_.name] = coerce
        for name, field in type_.fields.items():
            has_default = (
                field.default is not None or field.default_value is not Undefined
            )
            fields.append(
                (
                    name,
                    field.out_name or name,
                    self.get(field.type),
                    is_required_input_field(field),
                    field if has_default else None,
                    _text_field(field.type),
                )
            )
        return coerce


def _text_field(type_: GraphQLInputType) -> bool:
    """Whether a str value of this field type (``String``, ``String!``, ``ID``,
    ``ID!``) is its own coerced value: graphql-core's ``coerce_string`` and
    ``coerce_id`` return a str unchanged; other scalars, enums and lists go through
    their compiled coercer."""
    if is_non_null_type(type_):
        type_ = type_.of_type  # type: ignore[union-attr]
    return is_scalar_type(type_) and type_.coerce_input_value in _STR_IDENTITY  # type: ignore[union-attr]


def _never(_value: Any, _depth: int) -> Any:
    raise Invalid


def _non_null(inner: Coercer) -> Coercer:
    def coerce(value: Any, depth: int) -> Any:
        if value is None:
            raise Invalid
        return inner(value, depth)

    return coerce


def _list(item: Coercer) -> Coercer:
    def coerce(value: Any, depth: int) -> Any:
        if value is None:
            return None
        if depth > _DEPTH_LIMIT:
            raise Invalid
        if type(value) is list:
            return [item(v, depth + 1) for v in value]
        if type(value) in _NOT_LIST:
            return [item(value, depth + 1)]
        raise Invalid

    return coerce


def _leaf(coerce_input_value: Callable[[Any], Any]) -> Coercer:
    def coerce(value: Any, _depth: int) -> Any:
        if value is None:
            return None
        try:
            return coerce_input_value(value)
        except Exception as exc:  # noqa: BLE001 - graphql-core treats any as invalid
            raise Invalid from exc

    return coerce


class _OperationPlan:
    def __init__(
        self,
        operation: OperationDefinitionNode,
        variables: list[tuple[str, GraphQLVariableSignature, Coercer, bool]],
        compiled: CompiledOperation | None,
    ) -> None:
        self.operation = operation
        # (name, signature, coercer, has a default)
        self.variables = variables
        self.compiled = compiled  # None: graphql-core's executor runs it

    def coerce(self, inputs: dict[str, Any]) -> VariableValues | None:
        """graphql-core's ``get_variable_values`` for values it accepts, else None."""
        sources: dict[str, VariableValueSource] = {}
        coerced: dict[str, Any] = {}
        try:
            for name, signature, coercer, has_default in self.variables:
                value = inputs.get(name, Undefined)
                if value is Undefined:
                    if has_default or is_non_null_type(signature.type):
                        return None
                    sources[name] = VariableValueSource(signature)
                    continue
                sources[name] = VariableValueSource(signature, value)
                coerced[name] = coercer(value, 0)
        except Invalid:
            return None
        return VariableValues(sources, coerced)


class DocumentPlan:
    """What graphql-core's ``Executor.build`` derives from a valid document alone."""

    def __init__(
        self, schema: GraphQLSchema, coercers: InputCoercers, document: DocumentNode
    ) -> None:
        assert_valid_schema(schema)
        self.schema = schema
        self.fragment_definitions: dict[str, FragmentDefinitionNode] = {}
        self.fragments: dict[str, FragmentDetails] = {}
        self.plannable = True
        operations: list[OperationDefinitionNode] = []
        for definition in document.definitions:
            if isinstance(definition, OperationDefinitionNode):
                operations.append(definition)
            elif isinstance(definition, FragmentDefinitionNode):
                if definition.variable_definitions:
                    self.plannable = False  # fragment arguments: graphql-core's path
                name = definition.name.value
                self.fragment_definitions[name] = definition
                self.fragments[name] = FragmentDetails(definition, None)
        self.single: _OperationPlan | None = None
        self.named: dict[str, _OperationPlan | None] = {}
        for operation in operations:
            plan = self._plan(schema, coercers, operation)
            if len(operations) == 1:
                self.single = plan
            if operation.name is not None:
                # build() takes the last operation of that name
                self.named[operation.name.value] = plan

    @staticmethod
    def _plan(
        schema: GraphQLSchema, coercers: InputCoercers, op: OperationDefinitionNode
    ) -> _OperationPlan | None:
        variables = []
        for var_def in op.variable_definitions or ():
            signature = get_variable_signature(schema, var_def)
            if isinstance(signature, GraphQLError):
                return None
            coercer = coercers.get(signature.type)
            has_default = var_def.default_value is not None
            variables.append((signature.name, signature, coercer, has_default))
        return _OperationPlan(op, variables, compile_operation(schema, op))

    def operation(self, operation_name: str | None) -> _OperationPlan | None:
        if not self.plannable:
            return None
        if operation_name is None:
            return self.single
        return self.named.get(operation_name)


def execute_planned(
    plan: DocumentPlan,
    document: DocumentNode,
    variables: dict[str, Any],
    operation_name: str | None,
    context_value: Any,
) -> ExecutionResult:
    """Same result as ``execute_sync(schema, document, variable_values=variables,
    operation_name=..., context_value=...)``; the planned route when it applies."""
    op_plan = plan.operation(operation_name)
    coerced = op_plan.coerce(variables) if op_plan is not None else None
    if op_plan is None or coerced is None:
        return execute_sync(
            plan.schema,
            document,
            variable_values=variables,
            operation_name=operation_name,
            context_value=context_value,
        )
    executor = IncrementalExecutor(
        plan.schema,
        plan.fragment_definitions,
        plan.fragments,
        None,
        context_value,
        op_plan.operation,
        coerced,
        default_field_resolver,
        default_type_resolver,
        default_field_resolver,
        False,
        None,
        assume_not_awaitable,
        assume_not_async_iterable,
    )
    compiled = op_plan.compiled
    try:
        if compiled is not None:
            result = compiled.execute(executor)
        else:
            result = executor.execute_operation()
    finally:
        # The executor refers to itself (its resolve-info helpers are its own bound
        # methods), so it and all it holds - the request's coerced variables, ~650
        # containers for a batch write - would wait for the cyclic GC; without the
        # cycle they are freed by reference counting when the request ends.
        executor.async_helpers = None  # type: ignore[assignment]
    if not isinstance(result, ExecutionResult):  # as execute_sync asserts
        if iscoroutine(result):
            result.close()
        raise RuntimeError("GraphQL execution failed to complete synchronously.")
    return result
