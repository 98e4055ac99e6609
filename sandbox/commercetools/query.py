"""Query execution: where/sort/limit/offset/withTotal/expand over a collection.

Owns the query parameter rules of reference §2 (limit default 20 max 500, offset max 10,000,
``where`` repeatable and ANDed, ``var.*`` placeholders) and the paged response shape. A small
planner keeps the common connector queries cheap: index lookups for ``id``/``key``/``sku``/
``orderNumber`` equality and ``in``, and the id cursor (``sort=id asc`` + ``id > "…"``) walks
a sorted id list from a bisect position and stops after one page when ``withTotal=false``.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

from werkzeug.datastructures import MultiDict

from .errors import invalid_input
from .predicate_eval import Matcher, compile_node
from .predicates import And, Compare, In, Nested, Node, Or, PredicateError, parse
from .store import Collection, Doc, Store

MAX_LIMIT = 500
MAX_OFFSET = 10_000

ViewFn = Callable[[str], Doc | None]


@dataclass
class QuerySpec:
    ast: Node | None = None
    match: Matcher | None = None
    sort: list[tuple[list[str], bool]] = field(
        default_factory=list
    )  # (path, descending)
    limit: int = 20
    offset: int = 0
    with_total: bool = True
    expand: list[str] = field(default_factory=list)


def _int_param(args: MultiDict[str, str], name: str, default: int, maximum: int) -> int:
    raw = args.get(name)
    if raw is None:
        return default
    try:
        value = int(raw)
    except ValueError:
        raise invalid_input(
            f"Malformed parameter: {name}: Invalid int '{raw}'."
        ) from None
    if value < 0:
        raise invalid_input(
            f"Malformed parameter: {name}: Must be greater than or equal to 0."
        )
    if value > maximum:
        raise invalid_input(
            f"Malformed parameter: {name}: Must be less than or equal to {maximum}."
        )
    return value


def parse_where(clauses: list[str], variables: dict[str, list[str]]) -> Node | None:
    nodes: list[Node] = []
    for clause in clauses:
        try:
            nodes.append(parse(clause, variables))
        except PredicateError as exc:
            raise invalid_input(f"Malformed parameter: where: {exc}") from None
    if not nodes:
        return None
    # several where parameters are combined with AND [I]
    return nodes[0] if len(nodes) == 1 else And(nodes)


def parse_query(args: MultiDict[str, str]) -> QuerySpec:
    variables: dict[str, list[str]] = {}
    for name in args:
        if name.startswith("var."):
            variables[name[4:]] = args.getlist(name)
    spec = QuerySpec()
    spec.ast = parse_where(args.getlist("where"), variables)
    spec.match = compile_node(spec.ast) if spec.ast is not None else None
    for raw in args.getlist("sort"):
        parts = raw.split()
        if len(parts) == 1:
            parts.append("asc")
        if len(parts) != 2 or parts[1].lower() not in ("asc", "desc") or not parts[0]:
            raise invalid_input(
                f"Malformed parameter: sort: Invalid sort expression '{raw}'."
            )
        spec.sort.append((parts[0].split("."), parts[1].lower() == "desc"))
    spec.limit = _int_param(args, "limit", 20, MAX_LIMIT)
    spec.offset = _int_param(args, "offset", 0, MAX_OFFSET)
    total = args.get("withTotal", "true").lower()
    if total not in ("true", "false"):
        raise invalid_input(
            f"Malformed parameter: withTotal: Invalid boolean '{total}'."
        )
    # withTotal=false omits "total" [I: absence behaviour]
    spec.with_total = total == "true"
    spec.expand = args.getlist("expand")
    return spec


def _candidates(node: Node | None, coll: Collection) -> set[str] | None:
    """Ids that can possibly match (a superset), or None when the index cannot tell."""
    if node is None:
        return None
    if isinstance(node, And):
        found = [c for c in (_candidates(p, coll) for p in node.parts) if c is not None]
        if not found:
            return None
        return set.intersection(*found) if len(found) > 1 else found[0]
    if isinstance(node, Or):
        parts = [_candidates(p, coll) for p in node.parts]
        if any(p is None for p in parts):
            return None
        return set().union(*parts)  # type: ignore[arg-type]
    if (
        isinstance(node, Nested)
        and node.field in ("masterVariant", "variants")
        and "sku" in coll.indexes
    ):
        return _field_candidates(node.inner, coll, "sku")
    return _field_candidates(node, coll, None)


def _field_candidates(
    node: Node, coll: Collection, only: str | None
) -> set[str] | None:
    if isinstance(node, Compare) and node.op == "=":
        literals = [node.literal]
    elif isinstance(node, In) and not node.negated:
        literals = node.literals
    else:
        return None
    name = node.field
    if only is not None and name != only:
        return None
    values = [lit.value for lit in literals]
    if not all(isinstance(v, str) for v in values):
        return None
    if name == "id":
        return {v for v in values if v in coll.items}
    if name not in coll.indexes or (
        only is None and name == "sku" and coll.type_id == "product"
    ):
        return None
    out: set[str] = set()
    for value in values:
        out |= coll.lookup(name, value)
    return out


def _id_lower_bound(node: Node | None) -> tuple[str, bool] | None:
    """A top-level ``id > "x"`` / ``id >= "x"`` conjunct, for the id cursor."""
    parts = node.parts if isinstance(node, And) else [node] if node is not None else []
    best: tuple[str, bool] | None = None
    for part in parts:
        if (
            isinstance(part, Compare)
            and part.field == "id"
            and part.op in (">", ">=")
            and isinstance(part.literal.value, str)
        ):
            bound = (part.literal.value, part.op == ">=")
            if best is None or bound[0] > best[0]:
                best = bound
    return best


def _path_value(doc: Any, path: list[str]) -> Any:
    for part in path:
        if not isinstance(doc, dict):
            return None
        doc = doc.get(part)
    return doc


def _sort_key(path: list[str]) -> Callable[[Doc], tuple[Any, ...]]:
    def key(doc: Doc) -> tuple[Any, ...]:
        value = _path_value(doc, path)
        if value is None:
            return (0, 0, "")
        if isinstance(value, bool):
            return (1, 0, int(value))
        if isinstance(value, (int, float)):
            return (1, 1, value)
        return (1, 2, str(value))

    return key


def run(
    spec: QuerySpec,
    coll: Collection,
    view: ViewFn | None = None,
    store: Store | None = None,
) -> Doc:
    """Execute ``spec`` over ``coll`` (through ``view`` when given) and page the result."""
    get = view or coll.items.get
    match = spec.match
    need = spec.offset + spec.limit
    id_sort = len(spec.sort) == 1 and spec.sort[0][0] == ["id"]
    candidates = _candidates(spec.ast, coll)
    ids: Iterable[str]
    if candidates is not None:
        # without an id sort keep insertion order, so equal sort keys keep creation order
        ids = sorted(candidates) if id_sort else sorted(candidates, key=coll.position)
        if id_sort and spec.sort[0][1]:
            ids = list(reversed(list(ids)))
    elif id_sort and not spec.sort[0][1]:
        bound = _id_lower_bound(spec.ast)
        ids = coll.ids_after(*bound) if bound else coll.sorted_ids()
    elif id_sort:
        ids = reversed(coll.sorted_ids())
    else:
        ids = list(coll.items)
    presorted = id_sort or not spec.sort
    results: list[Doc] = []
    total = 0
    for res_id in ids:
        doc = get(res_id)
        if doc is None or (match is not None and not match(doc)):
            continue
        total += 1
        if presorted:
            if len(results) < need:
                results.append(doc)
            elif not spec.with_total:
                break
        else:
            results.append(doc)
    if not presorted:
        for path, desc in reversed(spec.sort):
            results.sort(key=_sort_key(path), reverse=desc)
    page = results[spec.offset : need]
    if spec.expand and store is not None:
        page = [expand(store, doc, spec.expand) for doc in page]
    body: Doc = {"limit": spec.limit, "offset": spec.offset, "count": len(page)}
    if spec.with_total:
        body["total"] = total
    body["results"] = page
    return body


def expand(store: Store, doc: Doc, paths: list[str]) -> Doc:
    """Return ``doc`` with references on ``paths`` carrying an ``obj`` (copy along the path)."""
    for path in paths:
        doc = _expand(store, doc, path.split("."))
    return doc


def _expand(store: Store, node: Any, parts: list[str]) -> Any:
    if not parts:
        if (
            isinstance(node, dict)
            and isinstance(node.get("typeId"), str)
            and isinstance(node.get("id"), str)
        ):
            target = store.collections.get(node["typeId"])
            obj = target.get(node["id"]) if target is not None else None
            if obj is not None:
                return {**node, "obj": obj}
        return node
    if not isinstance(node, dict):
        return node
    head, rest = parts[0], parts[1:]
    if head.endswith("[*]"):
        name = head[:-3]
        value = node.get(name)
        if not isinstance(value, list):
            return node
        return {**node, name: [_expand(store, item, rest) for item in value]}
    value = node.get(head)
    if value is None:
        return node
    return {**node, head: _expand(store, value, rest)}
