#!/usr/bin/env bash
# Mutation testing (issue 17): Stryker.NET changes the code a little (a + to a -, a <= to a <, a statement
# removed) and checks that some test fails on each change. Not run by CI (too slow: tens of minutes per library).
#
#   tests/mutation.sh autograd|nn|tensors|all [extra dotnet-stryker options]
#
#   autograd  Autograd's ops and engine: Ops/**, Composites/**, Kernels/**, Var.cs, Var.Backward.cs,
#             GradHolders.cs, GradMode.cs                          (config tests/stryker/autograd.json)
#   nn        Nn's Optimizers/** and Modules/**                    (config tests/stryker/nn.json)
#   tensors   Tensors' Kernels/**                                  (config tests/stryker/tensors.json)
#   all       the three, one after another
#
# Extra options go to every run, e.g. scope a run to one file while working on it:
#   tests/mutation.sh autograd -m '**/Ops/Var.Elementwise.cs'
# Each run builds the tests in Release and uses one core (--concurrency 1 in the configs); the reports go to
# StrykerOutput/<library>/reports/ (mutation-report.html to read, mutation-report.json for tools), the log to
# StrykerOutput/<library>.log. At the end one line per library gives its score and counts.
# Equivalent mutants (they change no result) are marked in the code: `// Stryker disable once <Mutator> : reason`.
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
usage="usage: tests/mutation.sh autograd|nn|tensors|all [dotnet-stryker options]"
if [[ $# -lt 1 ]]; then
    echo "$usage" >&2
    exit 2
fi
which="$1"
shift
case "$which" in
    autograd | nn | tensors) libraries=("$which") ;;
    all) libraries=(autograd nn tensors) ;;
    *)
        echo "tests/mutation.sh: unknown library '$which' (expected autograd, nn, tensors or all); $usage" >&2
        exit 2
        ;;
esac

declare -A test_project=([autograd]=Autograd.Tests [nn]=Nn.Tests [tensors]=Tensors.Tests)
cd "$root"
dotnet tool restore > /dev/null

summary=()
for library in "${libraries[@]}"; do
    config="$root/tests/stryker/$library.json"
    if [[ ! -f "$config" ]]; then
        echo "tests/mutation.sh: $library: config file $config not found" >&2
        exit 1
    fi
    output="$root/StrykerOutput/$library"
    log="$root/StrykerOutput/$library.log"
    rm -rf "$output"
    mkdir -p "$output"
    echo "== $library: dotnet stryker --config-file tests/stryker/$library.json $* (log: StrykerOutput/$library.log)"
    start=$(date +%s)
    (cd "$root/tests/${test_project[$library]}" &&
        dotnet dotnet-stryker --config-file "$config" --output "$output" --skip-version-check "$@") 2>&1 | tee "$log"
    minutes=$(( ($(date +%s) - start + 30) / 60 ))
    report="$output/reports/mutation-report.json"
    if [[ ! -f "$report" ]]; then
        summary+=("$library: no report (see StrykerOutput/$library.log)")
        continue
    fi
    # grep finds nothing when no mutant has a status (no timeouts, say): its exit status 1 must not end the script
    count() { { grep -o "\"status\":\"$1\"" "$report" || true; } | wc -l; }
    killed=$(count Killed)
    survived=$(count Survived)
    timeout=$(count Timeout)
    nocoverage=$(count NoCoverage)
    compile=$(count CompileError)
    # Ignored: out of scope (mutate filter), inside a block whose removal is already tested, or marked equivalent in
    # the code with a "Stryker disable" comment (its reason is the statusReason); only the last are counted here.
    filtered=$({ grep -oE '"status":"Ignored","statusReason":"Removed by (mutate|block already covered) filter"' "$report" || true; } | wc -l)
    marked=$(( $(count Ignored) - filtered ))
    # Stryker's score: detected (killed + timeout) over everything valid that was tested or left uncovered.
    score=$(awk -v k="$killed" -v t="$timeout" -v s="$survived" -v n="$nocoverage" \
        'BEGIN { d = k + t + s + n; if (d == 0) print "n/a"; else printf "%.2f %%", 100 * (k + t) / d }')
    summary+=("$library: mutation score $score (killed $killed, timeout $timeout, survived $survived, no coverage $nocoverage; marked equivalent $marked, compile errors $compile; $minutes min)")
done

echo
for line in "${summary[@]}"; do
    echo "$line"
done
