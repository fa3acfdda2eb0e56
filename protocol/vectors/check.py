#!/usr/bin/env python3
"""An independent implementation of the Passerelle protocol, version 1.

Written from protocol/SPEC.md alone, never from the Rust reference
implementation, to check that the specification is sufficient: everything
below is what a section of SPEC.md (§) says. It runs every test vector of
protocol/vectors/*.json and prints

    check.py: N passed, M failed

exiting with status 1 if any vector failed (2 if it could not run at all).

Needs Python 3.8+ and the `cryptography` package (pip install cryptography).
Section numbers (§) refer to SPEC.md.
"""

import base64
import copy
import hashlib
import json
import os
import re
import sys

try:
    from cryptography.exceptions import InvalidSignature
    from cryptography.hazmat.primitives.asymmetric.ed25519 import (
        Ed25519PrivateKey,
        Ed25519PublicKey,
    )
    from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat
except ImportError as e:  # pragma: no cover - reported to the caller
    print(f"check.py: cannot import cryptography ({e}); pip install cryptography",
          file=sys.stderr)
    sys.exit(2)


# ---------------------------------------------------------------------------
# §2.4 Canonical JSON (the specification's Python reference; only a reason
# added to Refused, for the failure messages)
# ---------------------------------------------------------------------------

MAX_SAFE = 2**53 - 1
MAX_BYTES, MAX_DEPTH, MAX_STRING, MAX_KEY = 65536, 16, 16384, 64


class Refused(Exception):
    """Carries a Passerelle error code, e.g. Refused("duplicate_key")."""
    def __init__(self, code, why=""):
        super().__init__(f"{code}: {why}" if why else code)
        self.code = code


NEGATIVE_ZERO = object()     # refused after parsing: see the notes


def _int(text):              # every number without fraction or exponent
    if text == "-0":
        return NEGATIVE_ZERO
    if len(text) > 17 or abs(int(text)) > MAX_SAFE:
        raise Refused("not_canonical_number")
    return int(text)


def _float(text):            # 1.0, 1e2, 1E400 ...
    raise Refused("not_canonical_number")


def _constant(text):         # NaN, Infinity, -Infinity are not JSON
    raise Refused("malformed_json")


def _object(pairs):          # keys arrive unescaped: "\u00e9" == "é"
    obj = {}
    for key, value in pairs:
        if key in obj:
            raise Refused("duplicate_key")
        obj[key] = value
    return obj


def _check_string(s, limit):
    try:
        size = len(s.encode("utf-8"))      # fails on a lone surrogate
    except UnicodeEncodeError:
        raise Refused("malformed_json")
    if size > limit:
        raise Refused("string_too_long")


def _check(value, depth):
    if value is NEGATIVE_ZERO:
        raise Refused("not_canonical_number")
    if isinstance(value, str):
        _check_string(value, MAX_STRING)
    elif isinstance(value, (list, dict)):
        if depth + 1 > MAX_DEPTH:
            raise Refused("too_deep")
        items = value
        if isinstance(value, dict):
            for key in value:
                _check_string(key, MAX_KEY)
            items = value.values()
        for item in items:
            _check(item, depth + 1)


def parse(data: bytes):
    """Reads untrusted bytes into Python values, or raises Refused."""
    if len(data) > MAX_BYTES:
        raise Refused("too_large")
    try:
        text = data.decode("utf-8")        # strict: invalid UTF-8 refused
        value = json.loads(text, object_pairs_hook=_object, parse_int=_int,
                           parse_float=_float, parse_constant=_constant)
    except (UnicodeDecodeError, json.JSONDecodeError):
        raise Refused("malformed_json")
    except RecursionError:
        raise Refused("too_deep")
    _check(value, 0)
    return value


_ESCAPES = {'"': '\\"', '\\': '\\\\', '\b': '\\b', '\t': '\\t',
            '\n': '\\n', '\f': '\\f', '\r': '\\r'}


def _string(s):
    out = []
    for c in s:
        if c in _ESCAPES:
            out.append(_ESCAPES[c])
        elif ord(c) < 0x20:
            out.append("\\u%04x" % ord(c))
        else:
            out.append(c)
    return '"' + "".join(out) + '"'


def _write(v):
    if v is None:
        return "null"
    if v is True:
        return "true"
    if v is False:
        return "false"
    if isinstance(v, int) and abs(v) <= MAX_SAFE:
        return str(v)
    if isinstance(v, str):
        return _string(v)
    if isinstance(v, list):
        return "[" + ",".join(_write(x) for x in v) + "]"
    if isinstance(v, dict):
        keys = sorted(v, key=lambda k: k.encode("utf-16-be"))
        return "{" + ",".join(_string(k) + ":" + _write(v[k]) for k in keys) + "}"
    raise Refused("not_canonical_number")  # floats, big integers


def canonical(value) -> bytes:
    """RFC 8785 bytes of a value in the subset."""
    return _write(value).encode("utf-8")


# ---------------------------------------------------------------------------
# §4 Keys and encodings
# ---------------------------------------------------------------------------

_B64URL = re.compile(r"^[A-Za-z0-9_-]*$")


def b64(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()


def b64_decode(text, code):
    """Strict base64url without padding (§4.1), or Refused(code)."""
    if not isinstance(text, str) or not _B64URL.match(text) or len(text) % 4 == 1:
        raise Refused(code, f"not base64url: {text!r}")
    raw = base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))
    if b64(raw) != text:                  # unused trailing bits not zero
        raise Refused(code, f"non-canonical base64url: {text!r}")
    return raw


def key_id_of(public_raw: bytes) -> str:
    """§4.2: ed25519: + base64url(first 15 bytes of SHA-256(raw key))."""
    return "ed25519:" + b64(hashlib.sha256(public_raw).digest()[:15])


_KEY_ID = re.compile(r"^ed25519:[A-Za-z0-9_-]{20}$")


def is_key_id(text):
    return isinstance(text, str) and bool(_KEY_ID.match(text))


def hash_of(data: bytes) -> str:
    return b64(hashlib.sha256(data).digest())


# Edwards25519 arithmetic, only to apply the strict checks of §4.4 (point
# validity, small order) that the `cryptography` package does not promise.
_P = 2**255 - 19
_L = 2**252 + 27742317777372353535851937790883648493
_D = (-121665 * pow(121666, _P - 2, _P)) % _P
_SQRT_M1 = pow(2, (_P - 1) // 4, _P)


def _decompress(raw: bytes, lenient=False):
    """The point encoded by 32 bytes (RFC 8032 §5.1.3), or None. `lenient`
    applies the two relaxations of §4.2: y is taken modulo p, and a set sign
    bit is ignored when x = 0."""
    if len(raw) != 32:
        return None
    y = int.from_bytes(raw, "little")
    sign = y >> 255
    y &= (1 << 255) - 1
    if y >= _P:
        if not lenient:
            return None
        y -= _P
    u = (y * y - 1) % _P
    v = (_D * y * y + 1) % _P
    x = (u * pow(v, 3, _P) * pow(u * pow(v, 7, _P), (_P - 5) // 8, _P)) % _P
    if (v * x * x - u) % _P != 0:
        x = (x * _SQRT_M1) % _P
        if (v * x * x - u) % _P != 0:
            return None
    if x == 0 and sign:
        if not lenient:
            return None
        sign = 0
    if x & 1 != sign:
        x = _P - x
    return (x, y, 1, (x * y) % _P)


def _double(pt):
    x1, y1, z1, _ = pt
    a = x1 * x1 % _P
    b = y1 * y1 % _P
    c = 2 * z1 * z1 % _P
    h = (a + b) % _P
    e = (h - (x1 + y1) * (x1 + y1)) % _P
    g = (a - b) % _P
    f = (c + g) % _P
    return (e * f % _P, g * h % _P, f * g % _P, e * h % _P)


def _small_order(pt):
    for _ in range(3):                    # [8]P
        pt = _double(pt)
    x, y, z, _ = pt
    return x % _P == 0 and (y - z) % _P == 0   # the neutral element


def parse_public_key(text, code):
    """§4.2: 32 bytes, base64url, a valid curve point; or Refused(code)."""
    raw = b64_decode(text, code)
    if len(raw) != 32 or _decompress(raw, lenient=True) is None:
        raise Refused(code, f"not an Ed25519 public key: {text!r}")
    return raw


def parse_signature(text, code):
    raw = b64_decode(text, code)
    if len(raw) != 64:
        raise Refused(code, "a signature is 64 bytes")
    return raw


def verify(public_raw: bytes, message: bytes, sig_raw: bytes):
    """§4.4 strict verification, or Refused("bad_signature").

    The `cryptography` package (OpenSSL) checks the cofactorless equation
    by comparing encodings, as §4.4 asks, but does not promise the other
    strict checks, which are made here first: S < L, no small-order A or R,
    and R in its canonical encoding (a non-canonical R can never equal the
    encoding of [S]B - [k]A)."""
    a = _decompress(public_raw, lenient=True)
    r = _decompress(sig_raw[:32])
    s = int.from_bytes(sig_raw[32:], "little")
    if a is None or r is None or s >= _L or _small_order(a) or _small_order(r):
        raise Refused("bad_signature", "not a strict RFC 8032 signature")
    try:
        Ed25519PublicKey.from_public_bytes(public_raw).verify(sig_raw, message)
    except InvalidSignature:
        raise Refused("bad_signature")


def secret_key(seed_hex):
    return Ed25519PrivateKey.from_private_bytes(bytes.fromhex(seed_hex))


def public_raw_of(secret):
    return secret.public_key().public_bytes(Encoding.Raw, PublicFormat.Raw)


# ---------------------------------------------------------------------------
# §5 Field formats
# ---------------------------------------------------------------------------

_NODE_ID = re.compile(r"^[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?$")
_UUID7 = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[0-9a-f]{4}-[0-9a-f]{12}$")
_UUID = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$")
_TS = re.compile(r"^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})Z$")
_DATE = re.compile(r"^(\d{4})-(\d{2})-(\d{2})$")
_KIND_WORD = re.compile(r"^[a-z][a-z_]*$")


def is_str(v):
    return isinstance(v, str)


def is_int(v):
    return isinstance(v, int) and not isinstance(v, bool)


def is_node_id(v):
    return is_str(v) and bool(_NODE_ID.match(v))


def _valid_date(y, m, d):
    if not 1 <= m <= 12:
        return False
    leap = y % 4 == 0 and (y % 100 != 0 or y % 400 == 0)
    days = [31, 29 if leap else 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31][m - 1]
    return 1 <= d <= days


def is_date(v):
    m = is_str(v) and _DATE.match(v)
    return bool(m) and _valid_date(*map(int, m.groups()))


def is_ts(v):
    m = is_str(v) and _TS.match(v)
    if not m:
        return False
    y, mo, d, h, mi, s = map(int, m.groups())
    return _valid_date(y, mo, d) and h <= 23 and mi <= 59 and s <= 59


def ts_seconds(v):
    """Seconds since 1970-01-01T00:00:00Z of a `ts` text."""
    y, mo, d, h, mi, s = map(int, _TS.match(v).groups())
    # Days from civil (proleptic Gregorian), valid for years 0000-9999.
    y2 = y - (mo <= 2)
    era = y2 // 400
    yoe = y2 - era * 400
    doy = (153 * (mo + (-3 if mo > 2 else 9)) + 2) // 5 + d - 1
    doe = yoe * 365 + yoe // 4 - yoe // 100 + doy
    days = era * 146097 + doe - 719468
    return days * 86400 + h * 3600 + mi * 60 + s


def is_kind(v):
    if not is_str(v) or len(v) > 64:
        return False
    words = v.split(".")
    return len(words) >= 2 and all(_KIND_WORD.match(w) for w in words)


def is_hash(v):
    try:
        return len(b64_decode(v, "invalid_envelope")) == 32
    except Refused:
        return False


# ---------------------------------------------------------------------------
# §5, §6 Envelopes
# ---------------------------------------------------------------------------

ENVELOPE_MEMBERS = {"v", "id", "from", "to", "seq", "prev", "ts", "kind",
                    "body", "key", "sig"}
VERSIONS = (1, 2)


def as_seal(v):
    """§5.6: a seal is an object with exactly the member `sealed`."""
    if isinstance(v, dict) and set(v) == {"sealed"} and is_str(v["sealed"]):
        return v["sealed"]
    return None


def seals_anywhere(v, out):
    seal = as_seal(v)
    if seal is not None:
        if not is_hash(seal):
            raise Refused("invalid_envelope", "a seal names a hash")
        out.append(seal)
    elif isinstance(v, dict):
        for x in v.values():
            seals_anywhere(x, out)
    elif isinstance(v, list):
        for x in v:
            seals_anywhere(x, out)
    return out


def opening_seal(opening):
    return hash_of(canonical(opening))


def parse_envelope(data: bytes):
    """§6 step 1: size, subset, limits, version, structure."""
    env = parse(data)
    bad = lambda why: Refused("invalid_envelope", why)  # noqa: E731
    if not isinstance(env, dict):
        raise bad("not an object")
    if "v" in env and not (is_int(env["v"]) and env["v"] in VERSIONS):
        raise Refused("unsupported_version")
    missing = ENVELOPE_MEMBERS - env.keys()
    if missing:
        raise bad(f"missing {sorted(missing)}")
    allowed = ENVELOPE_MEMBERS | ({"open"} if env["v"] == 2 else set())
    extra = env.keys() - allowed
    if extra:
        raise bad(f"unexpected {sorted(extra)}")
    if not (is_str(env["id"]) and _UUID7.match(env["id"])):
        raise bad("id")
    if not is_node_id(env["from"]) or not is_node_id(env["to"]):
        raise bad("from/to")
    seq = env["seq"]
    if not is_int(seq) or not 1 <= seq <= MAX_SAFE:
        raise bad("seq")
    prev = env["prev"]
    if seq == 1 and prev is not None:
        raise bad("prev must be null when seq is 1")
    if seq > 1 and not is_hash(prev):
        raise bad("prev must be a hash when seq > 1")
    if not is_ts(env["ts"]):
        raise bad("ts")
    if not is_kind(env["kind"]):
        raise bad("kind")
    if not isinstance(env["body"], dict):
        raise bad("body")
    if not is_key_id(env["key"]):
        raise bad("key")
    parse_signature(env["sig"], "invalid_envelope")
    if "open" in env:
        open_ = env["open"]
        if not isinstance(open_, dict) or not open_:
            raise bad("open is a non-empty object")
        seals = seals_anywhere(env["body"], [])
        for seal, opening in open_.items():
            if not is_hash(seal) or seal not in seals:
                raise bad("an open member names no seal of the body")
            if not (isinstance(opening, dict) and set(opening) == {"salt", "value"}
                    and is_str(opening["salt"]) and is_str(opening["value"])):
                raise bad("an opening is {salt, value}")
            salt = b64_decode(opening["salt"], "invalid_envelope")
            if len(salt) != 16:
                raise bad("a salt is 16 bytes")
    return env


def signed_part(env):
    """§5.3: the signed envelope without `open`."""
    return {k: v for k, v in env.items() if k != "open"}


def signing_bytes(obj):
    """§5.3, §9.1: canonical bytes of the object without `sig` (and `open`)."""
    return canonical({k: v for k, v in obj.items() if k not in ("sig", "open")})


def envelope_hash(env):
    """§5.3: SHA-256 of the signed envelope without `open`."""
    return hash_of(canonical(signed_part(env)))


def verify_envelope(env, pinned_public_key: str):
    """§6 steps 3 and 4, with the one key the receiver pinned."""
    public_raw = parse_public_key(pinned_public_key, "invalid_key")
    if env["key"] != key_id_of(public_raw):
        raise Refused("unknown_key")
    verify(public_raw, signing_bytes(env), parse_signature(env["sig"], "invalid_envelope"))
    for seal, opening in env.get("open", {}).items():
        if opening_seal(opening) != seal:
            raise Refused("bad_signature", "an opening does not open its seal")


def check_audience(env, audience):
    if env["to"] != audience:
        raise Refused("wrong_audience")


MAX_AHEAD_SECS = 600


def check_time(env, now):
    """§5.2: a hub refuses a `ts` more than 600 s ahead of its clock."""
    if ts_seconds(env["ts"]) - ts_seconds(now) > MAX_AHEAD_SECS:
        raise Refused("future_timestamp")


# ---------------------------------------------------------------------------
# §8 Bodies
# ---------------------------------------------------------------------------

ENUMS = {
    "theme": {"accessibility", "reception", "care", "well_being", "functioning",
              "activities", "communication", "other"},
    "proposal origin": {"member", "committee", "anonymous"},
    "proposal status": {"idea", "discussed", "sent_to_management", "accepted",
                        "adapted", "refused", "in_progress", "realised", "abandoned"},
    "delegate role": {"delegate", "substitute"},
    "node role": {"service", "hub"},
    "member status": {"active", "revoked"},
    "stance": {"for", "against", "to_discuss", "question"},
}

# Unicode White_Space (the property of the Unicode Character Database), as
# listed in §8.3.
WHITE_SPACE = frozenset(
    "\u0009\u000a\u000b\u000c\u000d\u0020\u0085\u00a0\u1680"
    "\u2000\u2001\u2002\u2003\u2004\u2005\u2006\u2007\u2008\u2009\u200a"
    "\u2028\u2029\u202f\u205f\u3000")


def blank(s):
    return all(c in WHITE_SPACE for c in s)


def title_ok(s):
    return 1 <= len(s) <= 200 and not blank(s)


class Body:
    """Reads one body against its schema; every failure is invalid_body."""

    def __init__(self, obj):
        self.obj = obj

    @staticmethod
    def fail(why):
        raise Refused("invalid_body", why)

    def get(self, name, check, optional=False, default=None, obj=None):
        obj = self.obj if obj is None else obj
        value = obj.get(name)
        if value is None:
            if optional:
                return default
            self.fail(f"{name} is required")
        if not check(value):
            self.fail(f"{name} has the wrong type or format: {value!r}")
        return value


def t_string(v):
    return is_str(v)


def t_uuid(v):
    return is_str(v) and bool(_UUID.match(v))


def t_enum(name):
    return lambda v: is_str(v) and v in ENUMS[name]


def t_key(v):
    try:
        parse_public_key(v, "invalid_body")
        return True
    except Refused:
        return False


def t_ref(v):
    return (isinstance(v, dict) and is_node_id(v.get("service"))
            and t_uuid(v.get("proposal")))


def t_list(item):
    return lambda v: isinstance(v, list) and all(item(x) for x in v)


def t_answer(v):
    return isinstance(v, dict) and is_str(v.get("text")) and is_date(v.get("date"))


def t_title(v):
    return isinstance(v, Erased) or (is_str(v) and title_ok(v))


def t_delegate(v):
    if not isinstance(v, dict):
        return False
    b = Body(v)
    b.get("label", lambda s: isinstance(s, Erased) or (is_str(s) and not blank(s)))
    b.get("role", t_enum("delegate role"))
    b.get("term_start", is_date)
    b.get("term_end", is_date, optional=True)
    return True


def t_agenda_entry(v):
    if not isinstance(v, dict):
        return False
    b = Body(v)
    b.get("title", t_title)
    b.get("description", t_string, optional=True)
    b.get("subject", t_uuid, optional=True)
    if "proposals" in v:                  # may be absent = []
        b.get("proposals", t_list(t_ref))
    b.get("proposed_by", is_node_id, optional=True)
    b.get("point", t_uuid, optional=True)
    return True


def t_outcome(v):
    if not isinstance(v, dict):
        return False
    b = Body(v)
    b.get("subject", t_uuid, optional=True)
    b.get("proposals", t_list(t_ref))
    b.get("decision", t_string)
    return True


def t_member(v):
    if not isinstance(v, dict):
        return False
    b = Body(v)
    b.get("id", is_node_id)
    b.get("name", t_string)
    b.get("role", t_enum("node role"))
    b.get("status", t_enum("member status"))
    b.get("keys", t_list(t_key))
    return True


def s_delegates_list(b):
    b.get("delegates", t_list(t_delegate))


def s_proposal_shared(b):
    b.get("proposal", t_uuid)
    b.get("title", t_title)
    b.get("description", t_string)
    b.get("theme", t_enum("theme"))
    if "tags" in b.obj:                   # may be absent = []
        b.get("tags", t_list(t_string))
    b.get("origin", t_enum("proposal origin"))
    b.get("status", t_enum("proposal status"))
    b.get("answer", t_answer, optional=True)


def s_proposal_updated(b):
    b.get("proposal", t_uuid)
    status = b.get("status", t_enum("proposal status"))
    b.get("comment", t_string, optional=True)
    answer = b.get("answer", t_answer, optional=True)
    b.get("title", t_title, optional=True)
    b.get("description", t_string, optional=True)
    b.get("theme", t_enum("theme"), optional=True)
    if answer is not None and status not in ("accepted", "adapted", "refused"):
        b.fail("an answer goes with status accepted, adapted or refused")


def s_proposal_withdrawn(b):
    b.get("proposal", t_uuid)
    b.get("reason", t_string, optional=True)


def s_agenda_item_proposed(b):
    b.get("item", t_uuid)
    b.get("title", t_title)
    b.get("description", t_string, optional=True)
    b.get("proposal", t_ref, optional=True)
    b.get("meeting", t_uuid, optional=True)


def s_support(b):
    b.get("proposal", t_ref)
    b.get("comment", t_string, optional=True)


def s_position_shared(b):
    b.get("position", t_uuid)
    meeting = b.get("meeting", t_uuid, optional=True)
    point = b.get("point", t_uuid, optional=True)
    proposal = b.get("proposal", t_ref, optional=True)
    b.get("stance", t_enum("stance"))
    b.get("comment", t_string, optional=True)
    if point is not None and meeting is None:
        b.fail("a point without its meeting")
    if meeting is None and proposal is None:
        b.fail("a position names a meeting or a proposal")


def s_position_withdrawn(b):
    b.get("position", t_uuid)


def s_figures_shared(b):
    b.get("period", lambda v: is_str(v) and 1 <= len(v) <= 50 and not blank(v))
    b.get("figures", lambda v: isinstance(v, dict)
          and all(is_int(x) and x >= 0 for x in v.values()))


def listed_once(refs):
    keys = [(r["service"], r["proposal"]) for r in refs]
    return len(set(keys)) == len(keys)


def s_subject_updated(b):
    b.get("subject", t_uuid)
    b.get("title", t_title)
    proposals = b.get("proposals", t_list(t_ref))
    if not listed_once(proposals):
        b.fail("a proposal listed twice")


def s_meeting(b):
    b.get("meeting", t_uuid)
    b.get("title", t_title)
    starts_at = b.get("starts_at", is_ts)
    ends_at = b.get("ends_at", is_ts, optional=True)
    b.get("place", t_string)
    b.get("format", t_string)
    agenda = b.get("agenda", t_list(t_agenda_entry))
    b.get("notice", t_string, optional=True)
    b.get("directions", t_string, optional=True)
    if ends_at is not None and ts_seconds(ends_at) < ts_seconds(starts_at):
        b.fail("ends before it starts")
    points = [e["point"] for e in agenda if e.get("point") is not None]
    if len(set(points)) != len(points):
        b.fail("two agenda entries with the same point")


def s_meeting_cancelled(b):
    b.get("meeting", t_uuid)
    b.get("notice", t_string)


def s_meeting_outcomes(b):
    b.get("meeting", t_uuid)
    b.get("minutes", t_string)
    outcomes = b.get("outcomes", t_list(t_outcome))
    if not all(listed_once(o["proposals"]) for o in outcomes):
        b.fail("an outcome lists a proposal twice")


def s_members_list(b):
    b.get("members", t_list(t_member))


def s_key_rotated(b):
    b.get("new_key", t_key)


def s_key_revoked(b):
    b.get("node", is_node_id)
    key = b.get("key", t_key)
    from_seq = b.get("from_seq", is_int)
    next_seq = b.get("next_seq", is_int)
    new_key = b.get("new_key", t_key, optional=True)
    b.get("reason", t_string, optional=True)
    if not 1 <= from_seq <= next_seq:
        b.fail("from_seq must be at least 1 and at most next_seq")
    if new_key == key:
        b.fail("the new key must differ from the revoked key")


def t_target(v):
    if not isinstance(v, dict):
        return False
    b = Body(v)
    b.get("message", t_uuid)
    seals = b.get("seals", t_list(is_hash))
    if not seals:
        b.fail("every target names at least one seal")
    return True


def s_content_erased(b):
    targets = b.get("targets", t_list(t_target))
    if not 1 <= len(targets) <= 100:
        b.fail("targets lists 1 to 100 messages")
    messages = [t["message"] for t in targets]
    seals = [s for t in targets for s in t["seals"]]
    if len(set(messages)) != len(messages) or len(set(seals)) != len(seals):
        b.fail("a message, and a seal, appear once")


SCHEMAS = {
    "delegates.list": s_delegates_list,
    "proposal.shared": s_proposal_shared,
    "proposal.updated": s_proposal_updated,
    "proposal.withdrawn": s_proposal_withdrawn,
    "agenda_item.proposed": s_agenda_item_proposed,
    "support.given": s_support,
    "support.withdrawn": s_support,
    "figures.shared": s_figures_shared,
    "subject.updated": s_subject_updated,
    "meeting.published": s_meeting,
    "meeting.updated": s_meeting,
    "meeting.cancelled": s_meeting_cancelled,
    "meeting.outcomes": s_meeting_outcomes,
    "members.list": s_members_list,
    "key.rotated": s_key_rotated,
    "key.revoked": s_key_revoked,
    "content.erased": s_content_erased,
    "position.shared": s_position_shared,
    "position.withdrawn": s_position_withdrawn,
}


# §5.6: the erasable fields of each kind ("a[]": every element of list a).
SEALED = {
    "delegates.list": ["delegates[].label"],
    "proposal.shared": ["title", "description", "answer.text"],
    "proposal.updated": ["title", "description", "comment", "answer.text"],
    "proposal.withdrawn": ["reason"],
    "agenda_item.proposed": ["title", "description"],
    "support.given": ["comment"],
    "support.withdrawn": ["comment"],
    "position.shared": ["comment"],
    "subject.updated": ["title"],
    "meeting.published": ["notice", "agenda[].title", "agenda[].description"],
    "meeting.updated": ["notice", "agenda[].title", "agenda[].description"],
    "meeting.cancelled": ["notice"],
    "meeting.outcomes": ["minutes", "outcomes[].decision"],
}


def slots(value, steps):
    """The values at a path of SEALED, with a function that replaces each."""
    if not steps:
        return
    step, rest = steps[0], steps[1:]
    member, each = (step[:-2], True) if step.endswith("[]") else (step, False)
    if not isinstance(value, dict) or member not in value:
        return
    children = ([(value[member], i) for i in range(len(value[member]))]
                if each and isinstance(value[member], list) else
                [] if each else [(value, member)])
    for holder, key in children:
        if rest:
            yield from slots(holder[key], rest)
        else:
            yield holder, key


def open_body(env):
    """§5.6: checks where the seals stand, then replaces each opened seal by its
    text; an erased one stays a seal (read as "erased")."""
    body = copy.deepcopy(env["body"])
    open_ = env.get("open", {})
    placed = 0
    for path in SEALED.get(env["kind"], []):
        for holder, key in list(slots(body, path.split("."))):
            v = holder[key]
            if v is None:
                continue
            seal = as_seal(v)
            if env["v"] == 1:
                if seal is not None:
                    raise Refused("invalid_body", "version 1 has no seals")
                continue
            if seal is None or not is_hash(seal):
                raise Refused("invalid_body", f"{path} must be a seal in version 2")
            placed += 1
            if seal in open_:
                holder[key] = open_[seal]["value"]
            else:
                holder[key] = ERASED
    if len(seals_anywhere(env["body"], [])) != placed:
        raise Refused("invalid_body", "a seal stands where no erasable field is")
    return body


class Erased(str):
    """An erased text: it satisfies the field's type, its rules no longer apply."""


ERASED = Erased("")


def read_body(env):
    """§6 step 8: known kind (unknown_kind), body schema (invalid_body)."""
    schema = SCHEMAS.get(env["kind"])
    if schema is None:
        raise Refused("unknown_kind")
    schema(Body(open_body(env)))


# ---------------------------------------------------------------------------
# §9.2 Descriptors
# ---------------------------------------------------------------------------

def read_descriptor(data: bytes):
    d = parse(data)
    bad = lambda why: Refused("invalid_envelope", why)  # noqa: E731
    if not isinstance(d, dict):
        raise bad("not an object")
    fields = {
        "type": is_str, "v": is_int, "id": is_node_id, "name": is_str,
        "role": t_enum("node role"), "public_key": t_key, "key": is_key_id,
    }
    for name, check in fields.items():
        if name not in d or not check(d[name]):
            raise bad(name)
    if "previous_keys" in d and not t_list(t_key)(d["previous_keys"]):
        raise bad("previous_keys")
    if d["type"] != "passerelle.node":
        raise bad("type")
    if d["v"] != 1:
        raise Refused("unsupported_version")
    public_raw = parse_public_key(d["public_key"], "invalid_envelope")
    if d["key"] != key_id_of(public_raw):
        raise Refused("unknown_key")
    if "sig" not in d:
        raise bad("sig")
    verify(public_raw, signing_bytes(d), parse_signature(d["sig"], "invalid_envelope"))
    return d


# ---------------------------------------------------------------------------
# §9.3 Request signatures
# ---------------------------------------------------------------------------

REQUEST_PARAMETERS = ("origin", "key", "time", "nonce", "sig")


def parse_authorization(value: str):
    bad = lambda why: Refused("invalid_request_signature", why)  # noqa: E731
    if not re.fullmatch(r"[\x20-\x7e\t]*", value):
        raise bad("only visible ASCII, spaces and tabs")
    if not value.startswith("Passerelle "):
        raise bad("scheme")
    params = {}
    for piece in value[len("Passerelle "):].split(","):
        m = re.fullmatch(r'[ \t]*([^=" \t]+)="([^"]*)"[ \t]*', piece)
        if not m:
            raise bad(f"piece {piece!r}")
        name, val = m.groups()
        if name in params:
            raise bad(f"{name} twice")
        params[name] = val
    if set(params) != set(REQUEST_PARAMETERS):
        raise bad(f"parameters {sorted(params)}")
    if not is_node_id(params["origin"]) or not is_key_id(params["key"]) \
            or not is_ts(params["time"]):
        raise bad("origin, key or time")
    if len(b64_decode(params["nonce"], "invalid_request_signature")) != 16:
        raise bad("nonce is not 16 bytes")
    parse_signature(params["sig"], "invalid_request_signature")
    return params


def request_object(method, target, destination, body: bytes, params):
    return {
        "type": "passerelle.request",
        "method": method,
        "target": target,
        "origin": params["origin"],
        "destination": destination,
        "time": params["time"],
        "nonce": params["nonce"],
        "body": hash_of(body),
        "key": params["key"],
    }


def check_request(v):
    """§9.3 steps 1, 3, 4, 5 as the receiver of vector `v`."""
    params = parse_authorization(v["header"])
    public_raw = parse_public_key(v["public_key"], "invalid_key")
    if params["key"] != key_id_of(public_raw):
        raise Refused("unknown_key")
    if abs(ts_seconds(params["time"]) - ts_seconds(v["now"])) > v["window_secs"]:
        raise Refused("request_expired")
    obj = request_object(v["method"], v["target"], v["destination"],
                         v["body"].encode("utf-8"), params)
    verify(public_raw, canonical(obj), parse_signature(params["sig"], "invalid_request_signature"))
    return params, obj


# ---------------------------------------------------------------------------
# §8.6 Keys over a stream: rotation and revocation
# ---------------------------------------------------------------------------

class PinnedKey:
    """A key pinned for an origin and the stretch of its stream it may sign."""

    def __init__(self, public_key, start=None, introduced_by=None):
        self.public_key = public_key
        self.start = start            # "from": first seq it may sign
        self.until = None             # last seq it may sign (a rotation)
        self.revoked_from = None      # first seq it may no longer sign
        self.introduced_by = introduced_by

    def blank(self):
        return self.start is None and self.until is None and self.revoked_from is None


class KeyReceiver:
    """A receiver as §6 and §8.6 describe it, for keys.json."""

    def __init__(self, me, audience, pinned):
        self.me, self.audience = me, audience
        self.roles, self.keys, self.heads, self.stored = {}, {}, {}, {}
        for p in pinned:
            self.roles[p["node"]] = p["role"]
            table = self.keys.setdefault(p["node"], {})
            for k in p["keys"]:
                table[key_id_of(parse_public_key(k, "invalid_key"))] = PinnedKey(k)

    @staticmethod
    def check_key(pinned, key_id, seq):
        """§8.6.1: the key may sign message `seq`."""
        if pinned is None:
            raise Refused("unknown_key")
        if pinned.revoked_from is not None and seq >= pinned.revoked_from:
            raise Refused("key_revoked")
        if pinned.until is not None and seq > pinned.until:
            raise Refused("key_retired")
        if pinned.start is not None and seq < pinned.start:
            raise Refused("unknown_key")

    def rotate(self, origin, signer, seq, new_key):
        """§8.6.2."""
        table = self.keys[origin]
        new_id = key_id_of(parse_public_key(new_key, "invalid_body"))
        if new_id == signer:
            raise Refused("domain_rule")
        if new_id in table and not table[new_id].blank():
            raise Refused("domain_rule")
        if any(new_id in t for o, t in self.keys.items() if o != origin):
            raise Refused("domain_rule")
        old = table[signer]
        old.until = seq if old.until is None else min(old.until, seq)
        table[new_id] = PinnedKey(new_key, seq + 1, signer)

    def revoke(self, r):
        """§8.6.3 steps 2-4."""
        table = self.keys[r["node"]]
        revoked = key_id_of(parse_public_key(r["key"], "invalid_body"))
        new = r.get("new_key")
        new_id = key_id_of(parse_public_key(new, "invalid_body")) if new else None
        voided = {}
        if revoked in table and revoked != new_id:
            voided[revoked] = r["from_seq"]
        changed = True
        while changed:
            changed = False
            for kid, k in table.items():
                if kid in voided or kid == new_id or k.introduced_by is None or k.start is None:
                    continue
                if k.introduced_by in voided and k.start > voided[k.introduced_by]:
                    voided[kid] = k.start
                    changed = True
        for kid, start in voided.items():
            k = table[kid]
            k.revoked_from = start if k.revoked_from is None else min(k.revoked_from, start)
        if new:
            known = table.get(new_id)
            start = r["next_seq"]
            if known is not None and known.start is not None:
                start = min(start, known.start)
            table[new_id] = PinnedKey(new, start)

    def receive(self, data: bytes):
        env = parse_envelope(data)
        origin, seq = env["from"], env["seq"]
        if origin not in self.roles:
            raise Refused("unknown_sender")
        pinned = self.keys[origin].get(env["key"])
        self.check_key(pinned, env["key"], seq)
        verify_envelope(env, pinned.public_key)
        check_audience(env, self.audience)
        h = envelope_hash(env)
        head = self.heads.get(origin)
        expected = head[0] + 1 if head else 1
        if seq == expected:
            if env["prev"] != (head[1] if head else None):
                raise Refused("fork")
        elif seq > expected:
            raise Refused("gap")
        elif self.stored.get((origin, seq), (None,))[0] == h:
            return "duplicate"
        else:
            raise Refused("equivocation")
        read_body(env)
        body = env["body"]
        if env["kind"] == "key.rotated":
            self.rotate(origin, env["key"], seq, body["new_key"])
        elif env["kind"] == "key.revoked":
            if self.roles[origin] != "hub" or self.roles.get(body["node"]) != "service":
                raise Refused("domain_rule")
            if body["node"] != self.me:
                self.revoke(body)
        self.heads[origin] = (seq, h)
        self.stored[(origin, seq)] = (h, env["key"])
        return "accepted"

    def flagged(self, member, from_seq):
        """§8.6.3 step 5: from `from_seq` on, what the stretches refuse."""
        out = []
        for (origin, seq), (_, kid) in sorted(self.stored.items()):
            if origin != member or seq < from_seq:
                continue
            try:
                self.check_key(self.keys[member].get(kid), kid, seq)
            except Refused:
                out.append(seq)
        return out


def run_keys(v):
    receiver = KeyReceiver(v["receiver"], v["audience"], v["pinned"])
    for n, step in enumerate(v["steps"]):
        try:
            got = receiver.receive(step["input"].encode("utf-8"))
        except Refused as e:
            got = e.code
        expect(got, step["result"], f"step {n}")
        if "flagged" in step:
            body = parse(step["input"].encode("utf-8"))["body"]
            expect(receiver.flagged(body["node"], body["from_seq"]), step["flagged"],
                   f"step {n} flagged")


# ---------------------------------------------------------------------------
# §10.11 The text of each envelope in a push or a feed page
# ---------------------------------------------------------------------------

WS = b" \t\r\n"


def skip_ws(t: bytes, i: int) -> int:
    while t[i] in WS:
        i += 1
    return i


def value_end(t: bytes, i: int) -> int:
    """The index just after the JSON value that starts at t[i]; `t` is
    JSON text already known to be valid."""
    depth = 0
    while True:
        c = t[i]
        if c == 0x22:                     # a string: to its closing quote
            i += 1
            while t[i] != 0x22:
                i += 2 if t[i] == 0x5C else 1
            i += 1
        elif c in b"[{":
            depth, i = depth + 1, i + 1
        elif c in b"]}":
            depth, i = depth - 1, i + 1
        elif c in WS or c in b",:":
            i += 1
            continue
        else:                             # a number, true, false or null
            while i < len(t) and t[i] not in WS and t[i] not in b",:]}":
                i += 1
        if depth == 0:
            return i


def elements(t: bytes, i: int, close: int):
    """(start, end) of each element of the array or object opened at t[i]:
    for an object, each member's key and value in turn."""
    i = skip_ws(t, i + 1)
    while t[i] != close:
        end = value_end(t, i)
        yield i, end
        i = skip_ws(t, end)
        if t[i] in b",:":
            i = skip_ws(t, i + 1)


def members(t: bytes, i: int):
    """{key: (start, end)} of the object at t[i]; a key twice is refused."""
    out, parts = {}, list(elements(t, i, ord("}")))
    for (ks, ke), (vs, ve) in zip(parts[0::2], parts[1::2]):
        key = json.loads(t[ks:ke])
        if key in out:
            raise Refused("malformed_json", f"{key} twice")
        out[key] = (vs, ve)
    return out


def envelope_texts(body: bytes, page: bool):
    """The bytes of each envelope of a push body ({"messages":[<envelope>,…]})
    or, with `page`, of a feed or stream page ({"messages":[{…,"envelope":
    <envelope>},…],…}), exactly as they appear in `body`."""
    json.loads(body)                      # valid JSON, or nothing to scan
    t = body
    start, _ = members(t, skip_ws(t, 0))["messages"]
    out = []
    for s, e in elements(t, start, ord("]")):
        if page:
            s, e = members(t, s)["envelope"]
        out.append(t[s:e])
    return out


def check_envelope_texts(vectors):
    """Builds a push and a feed page around vector envelopes, written with
    spaces, escapes and nested brackets, and finds each envelope back."""
    texts = [v["signed"].encode("utf-8") for v in vectors["envelopes.json"]]
    texts.append(b'{ "body" : {"title":"a \\" } ] , { [ \\\\","n":[1, -2,{}] },\n'
                 b'"kind":"x.y"}')
    bad = next(v for v in vectors["negative.json"] if v["name"] == "duplicate_key_in_body")
    texts.append(bad["input"].encode("utf-8"))
    push = b'{ "messages" :\n[ ' + b" ,\t".join(texts) + b" ] }"
    page = (b'{"next":9,"m\\u0065ssages":[' + b",".join(
        b'{"pos":%d, "envelope":%s ,"x":[{"envelope":0}]}' % (n, t)
        for n, t in enumerate(texts)) + b'],"after":[]}')
    for body, is_page in ((push, False), (page, True)):
        expect(envelope_texts(body, is_page), texts, "envelope texts")
    expect_refused(lambda: parse(envelope_texts(push, False)[-1]), "duplicate_key")


# ---------------------------------------------------------------------------
# The vectors (§13)
# ---------------------------------------------------------------------------

class Mismatch(Exception):
    pass


def expect(got, want, what):
    if got != want:
        raise Mismatch(f"{what}: got {got!r}, expected {want!r}")


def expect_refused(fn, code, what="error"):
    try:
        fn()
    except Refused as e:
        expect(e.code, code, what)
        return
    raise Mismatch(f"accepted, expected {code}")


def run_canonical(v):
    if "canonical" in v:
        out = canonical(parse(v["input"].encode("utf-8")))
        expect(out.decode("utf-8"), v["canonical"], "canonical form")
        again = canonical(parse(v["canonical"].encode("utf-8")))
        expect(again.decode("utf-8"), v["canonical"], "canonical of canonical")
    else:
        expect_refused(lambda: canonical(parse(v["input"].encode("utf-8"))), v["error"])


def run_envelope(v, by_hash):
    secret = secret_key(v["seed_hex"])
    public_raw = public_raw_of(secret)
    expect(b64(public_raw), v["public_key"], "public key from seed")
    expect(key_id_of(public_raw), v["key_id"], "key id")
    expect(b64(secret.sign(v["canonical"].encode("utf-8"))), v["signature"], "signature")
    unsigned = parse(v["unsigned"].encode("utf-8"))
    expect(canonical(unsigned).decode("utf-8"), v["canonical"], "unsigned, canonical")
    env = parse_envelope(v["signed"].encode("utf-8"))
    expect(signing_bytes(env).decode("utf-8"), v["canonical"], "signing bytes")
    expect(canonical(env).decode("utf-8"), v["signed"], "signed, canonical")
    expect(envelope_hash(env), v["hash"], "hash")
    expect(env["sig"], v["signature"], "sig member")
    verify_envelope(env, v["public_key"])
    check_audience(env, v["audience"])
    read_body(env)
    if env["prev"] is not None:
        earlier = by_hash.get(env["prev"])
        if earlier is None or earlier["seq"] != env["seq"] - 1:
            raise Mismatch("prev names no vector of seq - 1")


def run_negative(v):
    step = "parse"
    try:
        env = parse_envelope(v["input"].encode("utf-8"))
        step = "verify_signature"
        verify_envelope(env, v["public_key"])
        step = "check_audience"
        check_audience(env, v["audience"])
        if "now" in v:
            step = "check_time"
            check_time(env, v["now"])
        step = "body"
        read_body(env)
    except Refused as e:
        expect((step, e.code), (v["step"], v["error"]), "(step, error)")
        return
    raise Mismatch(f"accepted, expected {v['step']}/{v['error']}")


def run_request(v):
    if "error" in v:
        expect_refused(lambda: check_request(v), v["error"])
        return
    params, obj = check_request(v)
    secret = secret_key(v["seed_hex"])
    public_raw = public_raw_of(secret)
    expect(b64(public_raw), v["public_key"], "public key from seed")
    expect(key_id_of(public_raw), v["key_id"], "key id")
    for name in ("origin", "time", "nonce"):
        expect(params[name], v[name], name)
    expect(params["key"], v["key_id"], "key")
    expect(params["sig"], v["signature"], "sig")
    expect(hash_of(v["body"].encode("utf-8")), v["body_hash"], "body hash")
    expect(canonical(obj).decode("utf-8"), v["signing_object"], "signing object")
    expect(b64(secret.sign(canonical(obj))), v["signature"], "signature")
    header = "Passerelle " + ",".join(f'{n}="{params[n]}"' for n in REQUEST_PARAMETERS)
    expect(header, v["header_as_sent"], "header as a sender writes it")


def run_descriptor(v):
    data = v["descriptor"].encode("utf-8")
    if "error" in v:
        expect_refused(lambda: read_descriptor(data), v["error"])
        return
    d = read_descriptor(data)
    secret = secret_key(v["seed_hex"])
    public_raw = public_raw_of(secret)
    expect(b64(public_raw), v["public_key"], "public key from seed")
    expect(d["public_key"], v["public_key"], "public_key member")
    expect(key_id_of(public_raw), v["key_id"], "key id")
    expect(d["key"], v["key_id"], "key member")
    expect(signing_bytes(d).decode("utf-8"), v["unsigned"], "unsigned")
    expect(b64(secret.sign(v["unsigned"].encode("utf-8"))), v["signature"], "signature")
    expect(canonical(d).decode("utf-8"), v["descriptor"], "descriptor, canonical")


def main():
    here = os.path.dirname(os.path.abspath(__file__))
    files = sorted(f for f in os.listdir(here) if f.endswith(".json"))
    known = {"canonical.json", "envelopes.json", "negative.json",
             "requests.json", "descriptors.json", "keys.json"}
    passed, failed, names = 0, 0, set()
    vectors = {}
    for f in files:
        with open(os.path.join(here, f), encoding="utf-8") as fh:
            vectors[f] = json.load(fh)
    unknown = set(files) - known
    missing = known - set(files)
    for f in sorted(unknown):
        print(f"FAIL {f}: a vector file check.py does not know")
        failed += 1
    for f in sorted(missing):
        print(f"FAIL {f}: missing")
        failed += 1

    by_hash = {}
    for v in vectors.get("envelopes.json", []):
        try:
            by_hash[v["hash"]] = parse(v["signed"].encode("utf-8"))
        except Refused:
            pass
    runners = {
        "canonical.json": run_canonical,
        "envelopes.json": lambda v: run_envelope(v, by_hash),
        "negative.json": run_negative,
        "requests.json": run_request,
        "descriptors.json": run_descriptor,
        "keys.json": run_keys,
    }
    for f in files:
        if f not in runners:
            continue
        for v in vectors[f]:
            name = v.get("name", "?")
            try:
                if name in names:
                    raise Mismatch("name used twice")
                names.add(name)
                runners[f](v)
            except (Mismatch, Refused, KeyError, ValueError) as e:
                failed += 1
                print(f"FAIL {f} {name}: {type(e).__name__}: {e}")
            else:
                passed += 1
    try:
        check_envelope_texts(vectors)
    except (Mismatch, Refused, KeyError, ValueError, StopIteration) as e:
        failed += 1
        print(f"FAIL envelope texts (§10.11): {type(e).__name__}: {e}")
    else:
        passed += 1
    print(f"check.py: {passed} passed, {failed} failed")
    return 1 if failed or not passed else 0


if __name__ == "__main__":
    sys.exit(main())
