#!/usr/bin/env python3
"""Ask one question over the HTTP API and wait for the answer, with requests and SigV4 signing by botocore.

For the deployed API (ApiAuthMode=IAM) the request must be signed for the service `execute-api` with
credentials allowed `execute-api:Invoke`; botocore finds them as the AWS CLI does (environment, profile,
instance role). The local runner does not check signatures, so signing is harmless there.

    python3 examples/python/ask.py --api-url https://abcdef1234.execute-api.eu-west-1.amazonaws.com \
        --region eu-west-1 --context "Hamlet is a tragedy written by William Shakespeare." \
        --question "Who wrote Hamlet?"

Debian: apt-get install python3-requests python3-botocore (PyPI: requests, botocore).
"""
import argparse
import json
import sys
import time
import uuid

import botocore.session
import requests
from botocore.auth import SigV4Auth
from botocore.awsrequest import AWSRequest


class SigV4(requests.auth.AuthBase):
    """Signs each request (method, URL, headers, body) with SigV4 for execute-api."""

    def __init__(self, region):
        session = botocore.session.get_session()
        credentials = session.get_credentials()
        if credentials is None:
            sys.exit("no AWS credentials found (set AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY or a profile)")
        self.signer = SigV4Auth(credentials.get_frozen_credentials(), "execute-api", region)

    def __call__(self, r):
        aws = AWSRequest(method=r.method, url=r.url, data=r.body or b"", headers={
            k: v for k, v in r.headers.items() if k.lower() in ("content-type", "idempotency-key", "x-correlation-id")})
        self.signer.add_auth(aws)
        r.headers.update(dict(aws.headers.items()))
        return r


def utf16_slice(text, start, end):
    """The API's offsets count UTF-16 code units (JavaScript/Java string indices), not Python code points."""
    return text.encode("utf-16-le")[2 * start:2 * end].decode("utf-16-le")


def main():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--api-url", required=True)
    p.add_argument("--region", default="us-east-1")
    p.add_argument("--context", required=True)
    p.add_argument("--question", required=True)
    p.add_argument("--top-k", type=int, default=1)
    p.add_argument("--timeout", type=float, default=60)
    args = p.parse_args()

    api = args.api_url.rstrip("/")
    auth = SigV4(args.region)
    body = json.dumps({"context": args.context, "question": args.question, "topK": args.top_k}).encode()
    # an Idempotency-Key makes a retry of this POST safe: it returns the same id, never a second question
    headers = {"Content-Type": "application/json", "Idempotency-Key": str(uuid.uuid4())}
    for attempt in range(5):
        r = requests.post(api + "/qa", data=body, headers=headers, auth=auth, timeout=30)
        if r.status_code != 503:
            break
        time.sleep(int(r.headers.get("Retry-After", "1")))  # QUEUE_BACKLOG says how long
    if r.status_code != 202:
        sys.exit(f"POST /qa -> {r.status_code}: {r.text}")
    qa_id = r.json()["id"]
    print(f"accepted {qa_id} (Location: {r.headers['Location']})")

    deadline = time.monotonic() + args.timeout
    while True:
        record = requests.get(f"{api}/qa/{qa_id}", auth=auth, timeout=30).json()
        if record["status"] != "PENDING":
            break
        if time.monotonic() > deadline:
            sys.exit(f"{qa_id} still PENDING after {args.timeout} s")
        time.sleep(0.5)
    if record["status"] == "FAILED":
        sys.exit(f"{qa_id} FAILED: {record['error']['code']}")
    answer = record["answer"]
    if answer is None:
        print(f"{record['status']}: no answer in the context")
        return
    cut = utf16_slice(args.context, answer["start"], answer["end"])
    assert cut == answer["text"], (cut, answer)
    print(f"{record['status']}: {answer['text']!r} at [{answer['start']}, {answer['end']}) score {answer['score']:.4f}")


if __name__ == "__main__":
    main()
