"""What a check sees: a resource's inputs as plain Python values, decoded once per call.

Unknown values (preview) stay as the engine's sentinel strings; `get` raises the SDK's own
UnknownValueError when a check reads one (the server turns it into the SDK's advisory
"can't run policy during preview" diagnostic), `peek` returns UNKNOWN so that declarative helpers
can skip instead. Secrets are unwrapped; their paths are kept in `secret_paths`.
"""
from __future__ import annotations

from typing import Any, Callable, Dict, Iterator, List, Optional, Sequence, Set, Tuple

from pulumi_policy.proxy import UnknownValueError

UNKNOWN_SENTINELS = frozenset((
    "1c4a061d-8072-4f0a-a4cb-0ff528b18fe7",  # boolean
    "3eeb2bf0-c639-47a8-9e75-3b44932eb421",  # number
    "04da6b54-80e4-46f7-96ec-b56ff0331ba9",  # string
    "6a19a0b0-7e62-4c92-b797-7f8e31da9cc2",  # array
    "030794c1-ac77-496b-92df-f27374a8bd58",  # asset
    "e48ece36-62e2-4504-bad9-02848725956a",  # archive
    "dd056dcd-154b-4c76-9bd3-c8f88648b5ff",  # object
))
SIG_KEY = "4dabf18193072939515e22adb298388d"
SECRET_SIG = "1b47061264138c4ac30d75fd1eb44270"
ASSET_SIG = "c44067f5952c0a294b673a41bacd8c17"
ARCHIVE_SIG = "0def7320c3a5731c473e5ecbe6d01bc7"


class _Unknown:
    __slots__ = ()

    def __repr__(self) -> str:
        return "UNKNOWN"

    def __bool__(self) -> bool:  # an unknown is never "true enough" to pass or fail a check
        raise TypeError("an unknown value has no truth value; use is_unknown() first")


UNKNOWN = _Unknown()
_MISSING = object()


def is_unknown(value: Any) -> bool:
    return value is UNKNOWN or (isinstance(value, str) and value in UNKNOWN_SENTINELS)


def contains_unknown(value: Any) -> bool:
    if is_unknown(value):
        return True
    if isinstance(value, dict):
        return any(contains_unknown(v) for v in value.values())
    if isinstance(value, list):
        return any(contains_unknown(v) for v in value)
    return False


def decode_struct(struct: Any, secret_paths: Optional[Set[Tuple[Any, ...]]] = None,
                  path: Tuple[Any, ...] = ()) -> Dict[str, Any]:
    """A protobuf Struct to plain dicts/lists, unwrapping secrets (paths recorded) in one pass.

    Integral numbers become ints (below 2**53), others floats; null and unset values None.
    """
    return _decode_fields(struct.fields, secret_paths, path)


_EXACT_INT_LIMIT = 2 ** 53


def _decode_fields(fields: Any, secret_paths: Optional[Set[Tuple[Any, ...]]], path: Tuple[Any, ...]) -> Dict[str, Any]:
    out = {}
    for key, value in fields.items():
        # Scalars first, inline: most inputs are strings, booleans and numbers, and a call per
        # value (plus its path tuple) is most of the cost of decoding.
        kind = value.WhichOneof("kind")
        if kind == "string_value":
            out[key] = value.string_value
        elif kind == "bool_value":
            out[key] = value.bool_value
        else:
            out[key] = _decode_value(value, kind, secret_paths, path, key)
    return out


def _decode_value(value: Any, kind: Optional[str], secret_paths: Optional[Set[Tuple[Any, ...]]],
                  parent: Tuple[Any, ...], key: Any) -> Any:
    if kind == "string_value":
        return value.string_value
    if kind == "bool_value":
        return value.bool_value
    if kind == "number_value":
        n = value.number_value
        return int(n) if n.is_integer() and abs(n) < _EXACT_INT_LIMIT else n
    if kind == "struct_value":
        path = parent + (key,)
        fields = value.struct_value.fields
        sig = fields.get(SIG_KEY)
        if sig is not None:
            sig = sig.string_value
            if sig == SECRET_SIG:
                if secret_paths is not None:
                    secret_paths.add(path)
                inner = fields.get("value")
                return None if inner is None else _decode_value(inner, inner.WhichOneof("kind"), secret_paths,
                                                               parent, key)
            if sig in (ASSET_SIG, ARCHIVE_SIG):
                # Assets and archives are judged by what they are, not what they hold.
                return _decode_fields(fields, None, path)
        return _decode_fields(fields, secret_paths, path)
    if kind == "list_value":
        path = parent + (key,)
        return [_decode_value(v, v.WhichOneof("kind"), secret_paths, path, i)
                for i, v in enumerate(value.list_value.values)]
    return None  # null_value or unset


_SPLIT_CACHE: Dict[str, Tuple[Any, ...]] = {}
_SPLIT_CACHE_LIMIT = 10_000  # rules use a few hundred literal paths; never grow without bound


def _split(path: str | Sequence[Any]) -> Tuple[Any, ...]:
    """'a.b.0' -> ('a', 'b', 0); the same literal paths are read for every resource, so remember them."""
    if isinstance(path, str):
        parts = _SPLIT_CACHE.get(path)
        if parts is None:
            parts = tuple(int(p) if p.isdigit() else p for p in path.split(".")) if path else ()
            if len(_SPLIT_CACHE) < _SPLIT_CACHE_LIMIT:
                _SPLIT_CACHE[path] = parts
        return parts
    return tuple(path)


def _walk(root: Any, parts: Tuple[Any, ...], raise_unknown: bool) -> Any:
    """The value at `parts` under root: _MISSING when absent or null, UNKNOWN (or raise) when unknown.

    Every check's reads go through here, so is_unknown is inlined.
    """
    current = root
    if current is UNKNOWN or (isinstance(current, str) and current in UNKNOWN_SENTINELS):
        if raise_unknown:
            raise UnknownValueError(current, [str(p) for p in parts])
        return UNKNOWN
    for depth, key in enumerate(parts, 1):
        if isinstance(current, dict):
            if not isinstance(key, str):
                return _MISSING
            current = current.get(key)
        elif isinstance(current, list) and isinstance(key, int):
            if not -len(current) <= key < len(current):
                return _MISSING
            current = current[key]
        else:
            return _MISSING
        if current is None:
            return _MISSING
        if current is UNKNOWN or (isinstance(current, str) and current in UNKNOWN_SENTINELS):
            if raise_unknown:
                raise UnknownValueError(current, [str(p) for p in parts[:depth]])
            return UNKNOWN
    return current


def _leaves(value: Any) -> Iterator[Any]:
    if isinstance(value, dict):
        for v in value.values():
            yield from _leaves(v)
    elif isinstance(value, list):
        for v in value:
            yield from _leaves(v)
    elif value is not None and value is not _MISSING and not is_unknown(value):
        yield value


def secret_leaves(resource: "Resource") -> List[Any]:
    """The scalar values the program marked secret in `resource`'s inputs (for redacting messages).

    A resource whose inputs no check read (still undecoded) has none a message could carry."""
    if resource._struct is not None:
        return []
    out: List[Any] = []
    for path in resource._secret_paths or ():
        out.extend(_leaves(_walk(resource._props, path, False) if path else resource._props))
    return out


class Resource:
    """One resource as a check sees it (Analyze: inputs; AnalyzeStack: inputs plus graph links).

    Built from the wire (`from_struct`), its inputs are decoded on first use: a stack policy that
    only looks at buckets never pays for decoding the other 9,000 resources of the stack.
    """

    __slots__ = ("type", "name", "urn", "_props", "_struct", "protect", "ignore_changes", "parent_urn",
                 "provider", "dependency_urns", "property_dependency_urns", "_secret_paths",
                 "delete_before_replace", "stack", "config", "environment", "stack_tags", "position")

    def __init__(self, type: str, name: str, urn: str, props: Optional[Dict[str, Any]] = None, *,
                 protect: bool = False,
                 ignore_changes: Sequence[str] = (), parent_urn: str = "", provider: Optional["Resource"] = None,
                 dependency_urns: Sequence[str] = (), property_dependency_urns: Optional[Dict[str, List[str]]] = None,
                 secret_paths: Optional[Set[Tuple[Any, ...]]] = None, delete_before_replace: Optional[bool] = None,
                 struct: Any = None):
        self.type = type
        self.name = name
        self.urn = urn
        # Exactly one of props / struct (a protobuf Struct, decoded when first read) is kept.
        self._struct = struct if props is None else None
        self._props = props if props is not None or struct is not None else {}
        self._secret_paths = None if self._struct is not None else (secret_paths or set())
        self.protect = protect
        self.ignore_changes = list(ignore_changes)
        self.parent_urn = parent_urn
        self.provider = provider
        self.dependency_urns = list(dependency_urns)
        self.property_dependency_urns = property_dependency_urns or {}
        self.delete_before_replace = delete_before_replace
        self.stack = None  # the Stack, in AnalyzeStack
        self.config: Dict[str, Any] = {}  # this policy's configuration, set per check
        self.environment = "prod"
        self.stack_tags: Dict[str, str] = {}
        self.position = 0  # index in the stack (AnalyzeStack), for stable ordering

    @classmethod
    def from_struct(cls, type: str, name: str, urn: str, struct: Any, **options: Any) -> "Resource":
        return cls(type, name, urn, None, struct=struct, **options)

    def _decode(self) -> None:
        secret_paths: Set[Tuple[Any, ...]] = set()
        self._props = decode_struct(self._struct, secret_paths)
        self._secret_paths = secret_paths
        self._struct = None

    @property
    def props(self) -> Dict[str, Any]:
        if self._struct is not None:
            self._decode()
        return self._props

    @props.setter
    def props(self, value: Dict[str, Any]) -> None:
        if self._struct is not None:
            self._decode()  # keep the secret paths of what was sent
        self._props = value

    @property
    def secret_paths(self) -> Set[Tuple[Any, ...]]:
        if self._struct is not None:
            self._decode()
        return self._secret_paths

    def __repr__(self) -> str:
        return f"Resource({self.type}, {self.name})"

    # -- reading inputs ------------------------------------------------------------------------
    def get(self, path: str | Sequence[Any], default: Any = None) -> Any:
        """The input at a dotted path ('a.b.0.c'); raises UnknownValueError when it is unknown."""
        value = _walk(self.props, _split(path), True)
        return default if value is _MISSING else value

    def peek(self, path: str | Sequence[Any], default: Any = None) -> Any:
        """Like get, but returns UNKNOWN instead of raising."""
        value = _walk(self.props, _split(path), False)
        return default if value is _MISSING else value

    def has(self, path: str | Sequence[Any]) -> bool:
        return _walk(self.props, _split(path), False) is not _MISSING

    def is_secret(self, path: str | Sequence[Any]) -> bool:
        parts = _split(path)
        return any(parts[:len(p)] == p for p in self.secret_paths)

    @property
    def logical_name(self) -> str:
        return self.name

    # -- graph (AnalyzeStack only) -------------------------------------------------------------
    @property
    def parent(self) -> Optional["Resource"]:
        return self.stack.by_urn.get(self.parent_urn) if self.stack is not None else None

    def ancestors(self) -> Iterator["Resource"]:
        seen = set()
        node = self.parent
        while node is not None and node.urn not in seen:
            seen.add(node.urn)
            yield node
            node = node.parent


class Stack:
    """Every resource of the program, indexed, with helpers to follow references between them.

    `referenced`/`referencing` answer from indexes built on first use (by URN, by identity value
    per type, and the inverse relation per (prop, types)), so a stack policy that relates every
    bucket to its configuration resources is linear in the stack, not quadratic. The answers and
    their order are exactly those of the plain scans described in each method.
    """

    def __init__(self, resources: List[Resource]):
        self.resources = resources
        self.by_urn: Dict[str, Resource] = {}
        self._by_type: Dict[str, List[Resource]] = {}
        self._all_by_urn: Dict[str, List[Resource]] = {}
        for position, r in enumerate(resources):
            r.stack = self
            r.position = position
            self.by_urn[r.urn] = r
            self._all_by_urn.setdefault(r.urn, []).append(r)
            self._by_type.setdefault(r.type, []).append(r)
        self._identity_index: Dict[Optional[str], Dict[str, List[Resource]]] = {}
        self._inverse: Dict[Tuple[Any, ...], Dict[Resource, List[Resource]]] = {}
        self._cache: Dict[Any, Any] = {}
        self.config: Dict[str, Any] = {}
        self.environment = "prod"
        self.stack_tags: Dict[str, str] = {}

    def of_type(self, *types: str) -> List[Resource]:
        out: List[Resource] = []
        for t in types:
            out.extend(self._by_type.get(t, ()))
        return out

    def referenced(self, resource: Resource, prop: str, *types: str) -> List[Resource]:
        """Resources of `types` that `resource`'s input `prop` points at.

        By property dependency first (robust in preview, where ids are unknown), then by value:
        the input equals the target's id-like inputs (name, bucket, arn...) or its URN-derived name.
        Same answer, in the same order, as scanning `of_type(*types)` (every resource when no
        types are given) and keeping the matches.
        """
        urns = set(resource.property_dependency_urns.get(prop, ()))
        if urns:
            matched = {r for urn in urns for r in self._all_by_urn.get(urn, ())}
            found = self._in_scan_order(matched, types)
            if found:
                return found
        value = resource.peek(prop)
        if value is None or is_unknown(value):
            return []
        # Only strings name other resources; a list may hold anything (objects, numbers, nested lists).
        values = {v for v in (value if isinstance(value, list) else [value]) if isinstance(v, str)}
        if not values:
            return []
        matched = set()
        for t in (types or (None,)):
            index = self._identities_of(t)
            for v in values:
                matched.update(index.get(v, ()))
        return self._in_scan_order(matched, types)

    def referencing(self, target: Resource, prop: str, *types: str) -> List[Resource]:
        """Resources of `types` whose input `prop` points at `target` (the inverse of referenced).

        Same as `[r for r in of_type(*types) if target in referenced(r, prop, target.type)]`.
        """
        key = (prop, target.type, types)
        inverse = self._inverse.get(key)
        if inverse is None:
            inverse = {}
            for r in self.of_type(*types):
                for t in {id(t): t for t in self.referenced(r, prop, target.type)}.values():
                    inverse.setdefault(t, []).append(r)
            self._inverse[key] = inverse
        return list(inverse.get(target, ()))

    def cached(self, key: Any, compute: Callable[[], Any]) -> Any:
        """compute() once per stack for `key`: for a rule that relates every resource of a type to
        every other (e.g. "which buckets receive access logs"), compute the relation once instead
        of once per resource, which is quadratic on large stacks."""
        try:
            return self._cache[key]
        except KeyError:
            value = self._cache[key] = compute()
            return value

    def _identities_of(self, type_: Optional[str]) -> Dict[str, List[Resource]]:
        """identity value -> resources of type_ (every resource for None) having it, built once."""
        index = self._identity_index.get(type_)
        if index is None:
            index = {}
            for r in (self._by_type.get(type_, ()) if type_ is not None else self.resources):
                for ident in _identities(r):
                    index.setdefault(ident, []).append(r)
            self._identity_index[type_] = index
        return index

    def _in_scan_order(self, matched: set, types: Tuple[str, ...]) -> List[Resource]:
        """`matched` ordered as a scan of of_type(*types) (or of every resource) would meet them."""
        if not matched:
            return []
        if not types:
            return sorted(matched, key=_position)
        out: List[Resource] = []
        for t in types:
            out.extend(sorted((r for r in matched if r.type == t), key=_position))
        return out


def _position(r: Resource) -> int:
    return r.position


_ID_INPUTS = ("bucket", "name", "arn", "id", "functionName", "identifier", "clusterIdentifier",
              "keyId", "tableName", "restApiId", "apiId", "dbInstanceIdentifier", "roleName")


def _identities(r: Resource) -> set:
    ids = {r.name}
    for key in _ID_INPUTS:
        v = r.props.get(key)
        if isinstance(v, str) and not is_unknown(v):
            ids.add(v)
    # The recording engine (and real outputs) expose id/arn as outputs merged into inputs.
    return ids
