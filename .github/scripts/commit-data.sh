#!/usr/bin/env bash
# Commit what changed under the given paths as github-actions[bot] and push it to the branch
# the workflow runs on, retrying when another job pushed first (a push race).
#
#   commit-data.sh MESSAGE PATH...
#
# On a rejected push it pulls with --rebase and tries again (5 tries, growing
# pauses). The append-only ledgers merge by union (.gitattributes), so two runs that both
# appended events rebase cleanly; any other conflict stops with an error and leaves the
# remote untouched: the next scheduled run starts from the remote state and redoes the work.
set -euo pipefail

message=${1:?usage: commit-data.sh MESSAGE PATH...}
shift
[ "$#" -gt 0 ] || { echo "commit-data.sh: no paths given" >&2; exit 2; }
branch=${GITHUB_REF_NAME:?GITHUB_REF_NAME is not set}

git config user.name "github-actions[bot]"
git config user.email "41898282+github-actions[bot]@users.noreply.github.com"

git add --all -- "$@"
if git diff --cached --quiet; then
    echo "nothing changed under: $*"
    exit 0
fi
git commit --quiet --message "$message"

for attempt in 1 2 3 4 5; do
    if git push --quiet origin "HEAD:refs/heads/$branch"; then
        echo "pushed $(git rev-parse --short HEAD) to $branch"
        exit 0
    fi
    echo "push rejected (try $attempt of 5): rebasing on origin/$branch" >&2
    sleep $((attempt * ${COMMIT_RETRY_PAUSE:-3}))
    if ! git pull --rebase --quiet origin "$branch"; then
        git rebase --abort || true
        echo "::error::rebase on origin/$branch conflicts; nothing pushed (the next run redoes this work)" >&2
        exit 1
    fi
done
echo "::error::could not push to $branch after 5 tries" >&2
exit 1
