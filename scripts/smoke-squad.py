#!/usr/bin/env python3
"""Submits SQuAD questions to a running pipeline through its HTTP API and waits until every one is DONE or FAILED.

    scripts/run-local &                    # or any deployment with an unauthenticated API
    scripts/smoke-squad.py --data ../shared/data/squad/dev-v1.1.json.gz --count 200

Prints how long submission and answering took, the DONE/FAILED/PENDING counts (nothing may be lost), whether
each answer text equals context[start:end] (offsets in UTF-16 units) and how many answers equal a gold answer.
Python 3 standard library only.
"""
import argparse, gzip, json, sys, time, urllib.request


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--api", default="http://127.0.0.1:3000")
    ap.add_argument("--data", required=True, help="SQuAD .json or .json.gz")
    ap.add_argument("--count", type=int, default=200)
    ap.add_argument("--skip-articles", type=int, default=24, help="start in the second half of v1.1 dev")
    ap.add_argument("--timeout", type=int, default=900, help="seconds to wait for the answers")
    args = ap.parse_args()

    opener = gzip.open if args.data.endswith(".gz") else open
    with opener(args.data, "rt", encoding="utf-8") as f:
        articles = json.load(f)["data"]
    items = [(p["context"], qa["question"], [a["text"] for a in qa["answers"]])
             for art in articles[args.skip_articles:] for p in art["paragraphs"] for qa in p["qas"]][:args.count]

    started = time.time()
    ids = []
    for context, question, golds in items:
        req = urllib.request.Request(args.api + "/qa", data=json.dumps({"context": context, "question": question}).encode(),
                                     headers={"Content-Type": "application/json"})
        with urllib.request.urlopen(req) as r:
            if r.status != 202:
                sys.exit(f"POST /qa answered {r.status}")
            ids.append((json.load(r)["id"], context, golds))
    submitted = time.time() - started

    pending, results = {i for i, _, _ in ids}, {}
    while pending and time.time() - started < args.timeout:
        for i in sorted(pending):
            with urllib.request.urlopen(f"{args.api}/qa/{i}") as r:
                record = json.load(r)
            if record["status"] in ("DONE", "FAILED"):
                results[i] = record
                pending.discard(i)
        time.sleep(0.5)
    answered = time.time() - started

    def cut(context, answer):  # the API's offsets count UTF-16 code units
        return context.encode("utf-16-le")[2 * answer["start"]:2 * answer["end"]].decode("utf-16-le")

    done = sum(r["status"] == "DONE" for r in results.values())
    failed = sum(r["status"] == "FAILED" for r in results.values())
    offsets = sum(1 for i, c, _ in ids if i in results and (results[i]["answer"] is None
                                                            or cut(c, results[i]["answer"]) == results[i]["answer"]["text"]))
    gold = sum(1 for i, _, g in ids if i in results and results[i]["answer"]
               and results[i]["answer"]["text"].strip().lower() in {x.strip().lower() for x in g})
    print(f"submitted {len(ids)} via POST /qa in {submitted:.1f} s; all answered after {answered:.1f} s")
    print(f"DONE {done}, FAILED {failed}, still PENDING {len(pending)} (lost: {len(ids) - done - failed - len(pending)})")
    print(f"text == context[start:end] for {offsets}/{len(ids)}; answer equals a gold answer (case-insensitive) for {gold}/{len(ids)}")
    sys.exit(0 if not pending and offsets == len(ids) else 1)


if __name__ == "__main__":
    main()
