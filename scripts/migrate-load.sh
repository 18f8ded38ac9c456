#!/usr/bin/env bash
# Time kite import --from-postgres on a generated database in the original
# Kite's schema: N issues (default 100000) over 200 namespaces, one scope in
# ten with a resolved predecessor and one in fifty with a racing active
# duplicate, two links per issue and a relation per hundred issues.
# Prints the import's wall time, its peak RSS and the data directory's size.
#   scripts/migrate-load.sh [N]
set -euo pipefail
cd "$(dirname "$0")/.."
n=${1:-100000}
bin=$(ls -d /usr/lib/postgresql/*/bin | sort -V | tail -1)
work=$(mktemp -d /tmp/kite-migrate-XXXX)
as=()
if [ "$(id -u)" = 0 ]; then chown postgres "$work"; as=(runuser -u postgres --); fi
trap '"${as[@]}" "$bin/pg_ctl" -D "$work/data" -m fast -w stop >/dev/null 2>&1 || true; rm -rf "$work"' EXIT
"${as[@]}" "$bin/initdb" -D "$work/data" -U kite -A trust -E UTF8 --locale=C --no-sync >/dev/null
"${as[@]}" "$bin/pg_ctl" -D "$work/data" -l "$work/log" -w -o "-k $work -c listen_addresses= -c fsync=off" start >/dev/null
until "$bin/pg_isready" -q -h "$work" -U kite; do sleep 0.2; done
psql=("$bin/psql" -q -h "$work" -U kite -v ON_ERROR_STOP=1)
"${psql[@]}" -d postgres -c 'CREATE DATABASE kite_original'
"${psql[@]}" -d kite_original -f legacy/legacytest/schema.sql
"${psql[@]}" -d kite_original <<SQL
-- b: the pipeline an issue is of. Issue g = 10k shares it with g - 1 (a
-- resolved predecessor), g = 50k + 1 with g - 2 and g - 1 (a racing
-- duplicate): an active pair, a resolved one beside them.
CREATE FUNCTION b(g int) RETURNS int IMMUTABLE LANGUAGE sql AS
  'SELECT CASE WHEN g % 10 = 0 THEN g - 1 WHEN g % 50 = 1 AND g > 1 THEN g - 2 ELSE g END';
INSERT INTO issue_scopes SELECT md5('s'||g)::uuid, 'pipelinerun', 'pipeline-' || b(g), 'team-' || (b(g) % 200) FROM generate_series(1, $n) g;
INSERT INTO issues SELECT md5('i'||g)::uuid, 'Pipeline run failed: pipeline-' || g,
  'The pipeline run pipeline-' || g || ' failed with reason: task build exited with code 137 (OOMKilled) after ' || g || ' seconds',
  (ARRAY['major','medium','critical','minor','High'])[1 + g % 5], 'pipeline',
  CASE WHEN g % 10 = 9 THEN 'RESOLVED' ELSE 'ACTIVE' END,
  timestamptz '2025-01-01' + g * interval '1 minute',
  CASE WHEN g % 10 = 9 THEN timestamptz '2025-01-01' + g * interval '1 minute' + interval '1 hour' END,
  'team-' || (b(g) % 200), md5('s'||g)::uuid, timestamptz '2025-01-01' + g * interval '1 minute', timestamptz '2025-01-01' + g * interval '1 minute'
  FROM generate_series(1, $n) g;
INSERT INTO links SELECT md5('l'||g||k)::uuid, 'Pipeline Run Logs', 'https://konflux.dev/logs/pipelineruns/' || g || '/' || k, md5('i'||g)::uuid
  FROM generate_series(1, $n) g, generate_series(1, 2) k;
INSERT INTO related_issues SELECT md5('r'||g)::uuid, md5('i'||g)::uuid, md5('i'||(g+1))::uuid FROM generate_series(1, $n - 1, 100) g;
SQL
make -s build
dsn="host=$work user=kite dbname=kite_original sslmode=disable"
/usr/bin/time -f 'import: %e s wall, %M KB peak RSS' bin/kite import --from-postgres "$dsn" --data-dir "$work/kite" >"$work/report"
head -5 "$work/report"
du -sh "$work/kite"
/usr/bin/time -f 'second run: %e s wall, %M KB peak RSS' bin/kite import --from-postgres "$dsn" --data-dir "$work/kite" >"$work/report"
head -1 "$work/report"
