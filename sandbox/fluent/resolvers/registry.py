"""Resolver registry: modules register field resolvers here; ``bind`` attaches them.

Resolvers are plain functions ``(obj, info, **args)``; fields without a registered
resolver use graphql-core's default (``dict.get`` of the field name on entity rows).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from graphql import GraphQLInterfaceType, GraphQLObjectType, GraphQLSchema

Resolver = Callable[..., Any]

_fields: dict[tuple[str, str], Resolver] = {}


def field(type_name: str, field_name: str) -> Callable[[Resolver], Resolver]:
    """Register ``fn`` as the resolver of ``type_name.field_name``."""

    def register(fn: Resolver) -> Resolver:
        key = (type_name, field_name)
        if key in _fields:
            raise ValueError(f"resolver for {type_name}.{field_name} registered twice")
        _fields[key] = fn
        return fn

    return register


def query(name: str) -> Callable[[Resolver], Resolver]:
    return field("Query", name)


def mutation(name: str) -> Callable[[Resolver], Resolver]:
    return field("Mutation", name)


def _typename(value: Any, _info: Any, _type: Any) -> str | None:
    return value.get("__typename") if isinstance(value, dict) else None


def bind(schema: GraphQLSchema) -> None:
    """Attach every registered resolver to ``schema``; unknown names are a bug."""
    for (type_name, field_name), fn in _fields.items():
        gql_type = schema.type_map.get(type_name)
        if not isinstance(gql_type, GraphQLObjectType):
            raise KeyError(f"schema has no object type {type_name}")
        if field_name not in gql_type.fields:
            raise KeyError(f"schema type {type_name} has no field {field_name}")
        gql_type.fields[field_name].resolve = fn
    for gql_type in schema.type_map.values():
        if isinstance(gql_type, GraphQLInterfaceType):
            gql_type.resolve_type = _typename
