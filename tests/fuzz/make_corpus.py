#!/usr/bin/env python3
"""Writes the committed seed corpus of the fuzz targets (corpus/<target>/)
from protocol/vectors and a few hand-made cases. Run from anywhere:
`python3 tests/fuzz/make_corpus.py`. Files are named by the SHA-1 of their
content, as libFuzzer names what it adds, so running it twice changes
nothing."""

import hashlib
import json
import os

HERE = os.path.dirname(os.path.abspath(__file__))
VECTORS = os.path.join(HERE, "..", "..", "protocol", "vectors")


def load(name):
    with open(os.path.join(VECTORS, name), encoding="utf-8") as f:
        return json.load(f)


def write(target, seeds):
    folder = os.path.join(HERE, "corpus", target)
    os.makedirs(folder, exist_ok=True)
    for seed in seeds:
        data = seed.encode("utf-8") if isinstance(seed, str) else seed
        name = hashlib.sha1(data).hexdigest()
        with open(os.path.join(folder, name), "wb") as f:
            f.write(data)


canonical = load("canonical.json")
envelopes = load("envelopes.json")
negative = load("negative.json")
requests = load("requests.json")
descriptors = load("descriptors.json")

small = lambda text: len(text.encode("utf-8")) <= 4096  # noqa: E731

write("canonical", [v["input"] for v in canonical if small(v["input"])] + [
    '{"a":[1,-2,{"b":null}],"c":"\\u00e9\\n"}',
    '[9007199254740991,-9007199254740991]',
    '{"\\ud83d\\ude00":1,"\\ue000":2}',
    '  {"x" : true }  ',
])

write("envelope",
      [v["signed"] for v in envelopes]
      + [v["input"] for v in negative if small(v["input"])]
      + [v["descriptor"] for v in descriptors])

write("request_header", [v["header"] for v in requests] + [
    'Passerelle origin="a",key="b",time="c",nonce="d",sig="e"',
    'Passerelle  origin="ssm-a" ,\tkey="x"',
])

# The inbox: mode byte 0 = raw push body, 1 = envelope(s) re-signed by the
# enrolled member after filling the placeholders (see fuzz_targets/inbox.rs).
raw = b"\x00"
signed = b"\x01"


def template(kind, body, **over):
    env = {"v": 1, "id": "$new", "from": "ssm-fuzz", "to": "hub-fuzz", "seq": -1,
           "prev": "$head", "ts": "$now", "kind": kind, "body": body, "key": "$key"}
    env.update(over)
    return env


proposal = json.loads(envelopes[1]["signed"])["body"]
delegates = json.loads(envelopes[0]["signed"])["body"]
templates = [
    template("proposal.shared", proposal),
    template("delegates.list", delegates),
    template("proposal.withdrawn", {"proposal": proposal["proposal"], "reason": None}),
    template("proposal.updated", {"proposal": proposal["proposal"], "status": "accepted",
                                  "comment": None, "answer": {"text": "Oui", "date": "2026-12-01"},
                                  "title": None, "description": None}),
    template("support.given", {"proposal": {"service": "ssm-autre", "proposal": proposal["proposal"]},
                               "comment": "D'accord"}),
    template("agenda_item.proposed", {"item": "01936b2a-7c00-7000-8000-0000000000b1",
                                      "title": "Un point", "description": None,
                                      "proposal": None, "meeting": None}),
    template("figures.shared", {"period": "2026-Q3", "figures": {"questionnaires_collected": 12}}),
    template("members.list", {"members": []}),
    template("coffee.ordered", {"size": "grand"}),
    template("proposal.shared", proposal, seq=1, prev=None),
    template("proposal.shared", proposal, to="hub-autre"),
]
compact = lambda v: json.dumps(v, ensure_ascii=False, separators=(",", ":"))  # noqa: E731
seeds = [signed + compact(t).encode("utf-8") for t in templates]
seeds.append(signed + compact(templates[:2]).encode("utf-8"))
for v in envelopes:
    seeds.append(raw + ('{"messages":[%s]}' % v["signed"]).encode("utf-8"))
for v in negative[:6]:
    if small(v["input"]):
        seeds.append(raw + ('{"messages":[%s]}' % v["input"]).encode("utf-8"))
seeds += [raw + b'{"messages":[]}', raw + b'{"messages":[null,1,"x"]}', raw + b"[]",
          raw + b'{"messages":[],"messages":[]}']
write("inbox", seeds)
