# Sourced by the scripts: makes JAVA_HOME a JDK 21 or newer (the build targets Java 21).
# Keeps a suitable JAVA_HOME; otherwise takes the newest JDK >= 21 under /usr/lib/jvm or the one on PATH.
java_major() { "$1/bin/java" -XshowSettings:properties -version 2>&1 | sed -n 's/^ *java.specification.version = //p'; }

if [ -n "${JAVA_HOME:-}" ] && [ -x "$JAVA_HOME/bin/java" ] && [ "$(java_major "$JAVA_HOME")" -ge 21 ] 2>/dev/null; then
  :
else
  candidate=""
  for dir in /usr/lib/jvm/* /Library/Java/JavaVirtualMachines/*/Contents/Home; do
    [ -x "$dir/bin/javac" ] || continue
    major=$(java_major "$dir")
    if [ "${major:-0}" -ge 21 ] 2>/dev/null; then
      if [ -z "$candidate" ] || [ "$major" -gt "$(java_major "$candidate")" ]; then candidate="$dir"; fi
    fi
  done
  if [ -z "$candidate" ] && command -v javac >/dev/null; then
    dir=$(dirname "$(dirname "$(readlink -f "$(command -v javac)")")")
    [ "$(java_major "$dir")" -ge 21 ] 2>/dev/null && candidate="$dir"
  fi
  if [ -z "$candidate" ]; then
    echo "error: a JDK 21 or newer is needed; install one and set JAVA_HOME" >&2
    exit 1
  fi
  export JAVA_HOME="$candidate"
fi
export PATH="$JAVA_HOME/bin:$PATH"
