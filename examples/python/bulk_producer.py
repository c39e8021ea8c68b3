#!/usr/bin/env python3
"""Write questions straight to the SQS queue with boto3, as SQS message schema v1 (schemas/qa-message-v1.schema.json).

Reads a JSONL file of {"id"?, "question", "context", "topK"?} (examples/questions.jsonl), sends them with
SendMessageBatch (10 entries a call), and with --api-url polls GET /qa/{id} until each is DONE or FAILED.
A line without an id gets one here, so that it can be polled (SQS would otherwise use its MessageId).

    # against the local runner (it prints its SQS endpoint and queue URL at start)
    AWS_ACCESS_KEY_ID=local AWS_SECRET_ACCESS_KEY=local python3 examples/python/bulk_producer.py \
        --endpoint-url http://127.0.0.1:<sqs-port> --queue-url <queue-url> \
        --api-url http://127.0.0.1:3000 examples/questions.jsonl

Debian: apt-get install python3-boto3 python3-requests.
"""
import argparse
import json
import sys
import time
import uuid

import boto3
import requests

MAX_MESSAGE_BYTES = 262_144  # SQS's limit for one message and for one SendMessageBatch call


def messages(path):
    with open(path, encoding="utf-8") as f:
        for n, line in enumerate(f, 1):
            if not line.strip():
                continue
            item = json.loads(line)
            message = {"version": 1,  # an integer: 1.0 is rejected
                       "id": item.get("id") or f"bulk-{uuid.uuid4()}",
                       "question": item["question"],
                       "context": item["context"]}
            if "topK" in item:
                message["topK"] = item["topK"]
            body = json.dumps(message, ensure_ascii=False)
            if len(body.encode("utf-8")) > MAX_MESSAGE_BYTES:
                sys.exit(f"line {n}: message over {MAX_MESSAGE_BYTES} bytes")
            yield message["id"], body


def main():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--queue-url", required=True)
    p.add_argument("--endpoint-url", help="SQS endpoint (local runner); default: AWS")
    p.add_argument("--region", default="us-east-1")
    p.add_argument("--api-url", help="poll GET /qa/{id} here until every question is DONE or FAILED")
    p.add_argument("--timeout", type=float, default=120)
    p.add_argument("file")
    args = p.parse_args()

    sqs = boto3.client("sqs", region_name=args.region, endpoint_url=args.endpoint_url)
    items = list(messages(args.file))
    sent = []
    for i in range(0, len(items), 10):
        chunk = items[i:i + 10]
        r = sqs.send_message_batch(QueueUrl=args.queue_url, Entries=[
            {"Id": str(n), "MessageBody": body} for n, (_, body) in enumerate(chunk)])
        for failure in r.get("Failed", []):
            print(f"not sent: {chunk[int(failure['Id'])][0]}: {failure.get('Code')}", file=sys.stderr)
        sent += [chunk[int(ok["Id"])][0] for ok in r.get("Successful", [])]
    print(f"sent {len(sent)}/{len(items)} messages")
    if len(sent) != len(items):
        sys.exit(1)
    if not args.api_url:
        return

    api = args.api_url.rstrip("/")
    waiting, results = set(sent), {}
    deadline = time.monotonic() + args.timeout
    while waiting and time.monotonic() < deadline:
        for qa_id in sorted(waiting):
            r = requests.get(f"{api}/qa/{qa_id}", timeout=30)
            if r.status_code == 200 and r.json()["status"] != "PENDING":
                results[qa_id] = r.json()
                waiting.discard(qa_id)
        time.sleep(0.5)
    for qa_id in sent:
        rec = results.get(qa_id)
        if rec is None:
            print(f"{qa_id}: not answered in {args.timeout} s")
        elif rec["status"] == "FAILED":
            print(f"{qa_id}: FAILED {rec['error']['code']}")
        else:
            a = rec["answer"]
            print(f"{qa_id}: DONE " + (f"{a['text']!r} score {a['score']:.4f}" if a else "no answer"))
    done = sum(1 for r in results.values() if r["status"] == "DONE")
    print(f"DONE {done}, FAILED {len(results) - done}, unanswered {len(waiting)}")
    if waiting or done != len(sent):
        sys.exit(1)


if __name__ == "__main__":
    main()
