#!/usr/bin/env bash
# Ask one question with curl and poll until it is answered.
#
#   examples/curl/ask.sh http://127.0.0.1:3000 "Who wrote Hamlet?" "Hamlet is a tragedy written by William Shakespeare."
#
# For the deployed API with ApiAuthMode=IAM, add to both curl calls (curl 7.75+ signs itself):
#   --aws-sigv4 "aws:amz:${REGION}:execute-api" --user "$AWS_ACCESS_KEY_ID:$AWS_SECRET_ACCESS_KEY"
#   (and -H "x-amz-security-token: $AWS_SESSION_TOKEN" with temporary credentials)
# Needs only curl and sed; the question and context are JSON-escaped with sed (quotes, backslashes, tabs).
set -euo pipefail
api=${1:?usage: ask.sh <api-url> <question> <context>}; api=${api%/}
question=${2:?question}; context=${3:?context}
json_string() { printf '"%s"' "$(printf '%s' "$1" | sed -e 's/\\/\\\\/g' -e 's/"/\\"/g' -e 's/\t/\\t/g' | sed -e ':a;N;$!ba;s/\n/\\n/g')"; }

body="{\"question\": $(json_string "$question"), \"context\": $(json_string "$context")}"
response=$(curl -sS -D /dev/stderr -X POST "$api/qa" -H 'Content-Type: application/json' \
  -H "Idempotency-Key: curl-$$-$(date +%s)" --data-binary "$body" -w '\n%{http_code}' 2>/tmp/ask-headers.$$)
status=${response##*$'\n'}; payload=${response%$'\n'*}
grep -i '^location:' /tmp/ask-headers.$$ || true; rm -f /tmp/ask-headers.$$
echo "POST /qa -> $status $payload"
[ "$status" = 202 ] || { echo "not accepted" >&2; exit 1; }
id=$(printf '%s' "$payload" | sed -n 's/.*"id":"\([^"]*\)".*/\1/p')

for _ in $(seq 1 120); do
  record=$(curl -sS "$api/qa/$id")
  state=$(printf '%s' "$record" | sed -n 's/.*"status":"\([A-Z]*\)".*/\1/p')
  [ "$state" != PENDING ] && break
  sleep 0.5
done
echo "GET /qa/$id -> $record"
case "$state" in
  DONE) ;;
  FAILED) echo "question FAILED" >&2; exit 1 ;;
  *) echo "still $state after 60 s" >&2; exit 1 ;;
esac
