#!/usr/bin/env bash
# scripts/sweep.sbatch on a real Slurm. The script starts a private one-node Slurm cluster (munged,
# slurmctld and slurmd, all from a scratch folder, on ports of its own, so it neither needs nor
# touches a system Slurm or munge) and then checks that:
#   - the bundled grid bench/sweeps/example.json (36 points) runs as a 3-task job array of
#     scripts/sweep.sbatch, each task running its own third of the points, and a job that depends on
#     the array (afterok) merges the results;
#   - the merged CSV, JSON and HDF5 are byte-identical to those of the same grid run in one process
#     without Slurm (infersim sweep --jobs 1);
#   - after two point files and the merged files are deleted, submitting the same array again runs
#     exactly those 2 points (the other 34 are reported as already finished), and the new merge is
#     again byte-identical;
#   - resubmitting only some task ids (--array=1,2, with the array's task count as sweep.sbatch's
#     third argument) runs those tasks' shards of the full array, not shards of a 2-task array.
# It installs slurm-wlm and munge with apt-get when they are missing, and needs no systemd (the
# daemons are started directly), so it runs in a bare Debian bookworm container. It must run as root
# (the daemons and the jobs run as root). The daemons are stopped and the scratch folder removed on
# exit, whether the check passed or not. It prints PASS when every check holds.
# Usage: sudo scripts/check-slurm.sh [BUILD_DIR]   (BUILD_DIR relative to the repository root; default build)
set -euo pipefail
cd "$(dirname "$0")/.."
REPO=$(pwd)
GRID=bench/sweeps/example.json
POINTS=36 TASKS=3

say() { echo "check-slurm: $*"; }
fail() { echo "FAIL: $*" >&2; exit 1; }

[ "$(id -u)" = 0 ] || fail "run as root: sudo scripts/check-slurm.sh"
[ -d "${1:-build}" ] || fail "no build folder ${1:-build} (build first: scripts/build.sh)"
BUILD=$(cd "${1:-build}" && pwd)
BIN=$BUILD/infersim
[ -x "$BIN" ] || fail "no $BIN (build first: scripts/build.sh)"

# Everything the exit trap undoes; set as each thing comes into being.
SCRATCH='' POLICY_RC_D='' MUNGED_PID='' SLURMCTLD_PID='' SLURMD_PID='' SLURM_UP=0

stop_pid() { # stop_pid PID: TERM, then KILL if it has not gone within 15 s
  local pid=$1 i
  [ -n "$pid" ] && kill -0 "$pid" 2>/dev/null || return 0
  kill -TERM "$pid" 2>/dev/null || true
  for i in $(seq 1 30); do
    kill -0 "$pid" 2>/dev/null || break
    sleep 0.5
  done
  kill -KILL "$pid" 2>/dev/null || true
  wait "$pid" 2>/dev/null || true
}

stepds() { # the slurmstepd processes (one per running job, forked off by slurmd), zombies included
  local d
  for d in /proc/[0-9]*; do
    [ "$(cat "$d/comm" 2>/dev/null)" = slurmstepd ] && echo "${d#/proc/}"
  done
  return 0
}
STEPDS_BEFORE=" $(stepds | tr '\n' ' ') "
new_stepds() { # those that were not there before this script started
  local p
  for p in $(stepds); do
    case "$STEPDS_BEFORE" in *" $p "*) ;; *) echo "$p" ;; esac
  done
}

cleanup() {
  local p
  set +e
  # Jobs still on the cluster (only after a failure) would leave slurmstepd processes behind.
  if [ "$SLURM_UP" = 1 ]; then
    scancel --quiet --user=root 2>/dev/null
    for _ in $(seq 1 20); do
      [ -z "$(squeue -h -o %i 2>/dev/null)" ] && break
      sleep 0.5
    done
  fi
  stop_pid "$SLURMD_PID"
  stop_pid "$SLURMCTLD_PID"
  # slurmd does not wait for its slurmstepds, which outlive it for a moment: wait for them to go,
  # then kill any that belong to this cluster (they carry its SLURM_CONF), so nothing is left behind.
  if [ "$SLURM_UP" = 1 ]; then
    for _ in $(seq 1 20); do
      [ -z "$(new_stepds)" ] && break
      sleep 0.5
    done
    for p in $(new_stepds); do
      tr '\0' '\n' <"/proc/$p/environ" 2>/dev/null | grep -qxF "SLURM_CONF=$SLURM_CONF" && kill -KILL "$p"
    done
  fi
  stop_pid "$MUNGED_PID"
  [ -n "$POLICY_RC_D" ] && rm -f "$POLICY_RC_D"
  [ -n "$SCRATCH" ] && rm -rf "$SCRATCH"
}
trap cleanup EXIT
# Without these, a Ctrl-C or kill would end the script without running the EXIT trap's cleanup.
trap 'exit 130' INT
trap 'exit 143' TERM HUP

# --- 1. Packages -------------------------------------------------------------------------------------
missing=()
command -v munged >/dev/null && command -v munge >/dev/null || missing+=(munge)
for c in slurmctld slurmd sbatch sinfo squeue scontrol scancel; do
  command -v "$c" >/dev/null || { missing+=(slurm-wlm); break; }
done
if [ ${#missing[@]} -gt 0 ]; then
  say "installing ${missing[*]}"
  # The packages' install scripts would start the system munged/slurmd/slurmctld (with no Slurm
  # configuration, and left running after this script); a policy-rc.d that says no prevents that.
  if [ ! -e /usr/sbin/policy-rc.d ]; then
    POLICY_RC_D=/usr/sbin/policy-rc.d
    printf '#!/bin/sh\nexit 101\n' >"$POLICY_RC_D"
    chmod 755 "$POLICY_RC_D"
  fi
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
  if [ -n "$POLICY_RC_D" ]; then
    rm -f "$POLICY_RC_D"
    POLICY_RC_D=''
  fi
fi

# --- 2. A one-node cluster in a scratch folder ----------------------------------------------------------
SCRATCH=$(mktemp -d /tmp/check-slurm.XXXXXX)
mkdir -p "$SCRATCH"/{munge,state,spool,out}
# munged refuses a socket in a folder that not everyone may search, such as mktemp's 0700.
chmod 0711 "$SCRATCH" "$SCRATCH/munge"
HOST=$(hostname -s)

# munged: its own key, socket, log, pid and seed files, so a system munged (if any) is not disturbed.
# munged insists that the key be owned by the user it runs as (root here) and readable by no one else.
KEY=$SCRATCH/munge/munge.key
if command -v mungekey >/dev/null; then
  mungekey --create --keyfile="$KEY"
else
  dd if=/dev/urandom of="$KEY" bs=1 count=1024 status=none
fi
chown root:root "$KEY"
chmod 0400 "$KEY"
SOCKET=$SCRATCH/munge/munge.socket
munged --foreground --socket="$SOCKET" --key-file="$KEY" --log-file="$SCRATCH/munge/munged.log" \
  --pid-file="$SCRATCH/munge/munged.pid" --seed-file="$SCRATCH/munge/munged.seed" \
  >"$SCRATCH/munge/munged.out" 2>&1 &
MUNGED_PID=$!
for i in $(seq 1 40); do
  munge -n -S "$SOCKET" 2>/dev/null | unmunge -S "$SOCKET" >/dev/null 2>&1 && break
  if ! kill -0 "$MUNGED_PID" 2>/dev/null || [ "$i" = 40 ]; then
    cat "$SCRATCH"/munge/munged.{out,log} 2>/dev/null || true
    fail "munged did not come up (its log is above)"
  fi
  sleep 0.25
done

# Two free TCP ports next to each other (not Slurm's 6817/6818, which a system Slurm may hold).
port_busy() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }
CTLD_PORT=''
for p in $(seq 16817 2 16999); do
  port_busy "$p" || port_busy $((p + 1)) || { CTLD_PORT=$p; break; }
done
[ -n "$CTLD_PORT" ] || fail "no free port pair between 16817 and 17000"
SLURMD_PORT=$((CTLD_PORT + 1))

CPUS=$(nproc)
# RealMemory must not exceed what slurmd finds, or the node is drained: half of it, at most 1 GiB.
MEM_MB=$(awk '/^MemTotal:/ { m = int($2 / 2048); print (m > 1024 ? 1024 : m) }' /proc/meminfo)
export SLURM_CONF=$SCRATCH/slurm.conf
# No accounting database: job states are read from slurmctld (scontrol), which keeps finished jobs
# for MinJobAge seconds. kill_invalid_depend cancels the merge job if the array fails, rather than
# leaving it pending for ever.
cat >"$SLURM_CONF" <<EOF
ClusterName=infersim-check
SlurmctldHost=$HOST(127.0.0.1)
SlurmctldPort=$CTLD_PORT
SlurmdPort=$SLURMD_PORT
SlurmUser=root
SlurmdUser=root
AuthType=auth/munge
CredType=cred/munge
AuthInfo=socket=$SOCKET
StateSaveLocation=$SCRATCH/state
SlurmdSpoolDir=$SCRATCH/spool
SlurmctldPidFile=$SCRATCH/slurmctld.pid
SlurmdPidFile=$SCRATCH/slurmd.pid
SlurmctldLogFile=$SCRATCH/slurmctld.log
SlurmdLogFile=$SCRATCH/slurmd.log
SlurmctldDebug=info
SlurmdDebug=info
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
SelectType=select/cons_tres
SelectTypeParameters=CR_CPU
MpiDefault=none
JobAcctGatherType=jobacct_gather/none
AccountingStorageType=accounting_storage/none
JobCompType=jobcomp/none
ReturnToService=2
MailProg=/bin/true
MinJobAge=600
DependencyParameters=kill_invalid_depend
NodeName=$HOST NodeAddr=127.0.0.1 CPUs=$CPUS RealMemory=$MEM_MB State=UNKNOWN
PartitionName=check Nodes=$HOST Default=YES MaxTime=INFINITE State=UP
EOF

show_logs() {
  local f
  for f in "$SCRATCH"/slurmctld.log "$SCRATCH"/slurmctld.out "$SCRATCH"/slurmd.log "$SCRATCH"/slurmd.out; do
    [ -s "$f" ] && { echo "--- $f (last 40 lines)"; tail -n 40 "$f"; }
  done
  return 0
}

# In the foreground (-D) so that $! is the daemon itself, which the exit trap stops.
slurmctld -D >"$SCRATCH/slurmctld.out" 2>&1 &
SLURMCTLD_PID=$!
SLURM_UP=1
slurmd -D -N "$HOST" >"$SCRATCH/slurmd.out" 2>&1 &
SLURMD_PID=$!
say "cluster starting in $SCRATCH (node $HOST, $CPUS CPUs, ports $CTLD_PORT/$SLURMD_PORT)"
state=''
for i in $(seq 1 120); do
  state=$(sinfo -h -N -n "$HOST" -o %t 2>/dev/null || true)
  [ "$state" = idle ] && break
  kill -0 "$SLURMCTLD_PID" 2>/dev/null || { show_logs; fail "slurmctld exited (its log is above)"; }
  kill -0 "$SLURMD_PID" 2>/dev/null || { show_logs; fail "slurmd exited (its log is above)"; }
  [ "$i" -lt 120 ] || { show_logs; fail "node $HOST not idle after 60 s (state: '${state:-none}'; logs above)"; }
  sleep 0.5
done
say "node $HOST idle"

# --- 3. The sweep as a job array plus a dependent merge ---------------------------------------------------
# sweep.sbatch runs build/infersim from the submit folder, so it is submitted from the repository root.
# For another build folder, a scratch submit folder whose build/ and bench/ link to the right places
# makes the jobs run that build's binary.
if [ "$BUILD" -ef "$REPO/build" ]; then
  SUBMIT=$REPO
else
  SUBMIT=$SCRATCH/submit
  mkdir -p "$SUBMIT"
  ln -s "$BUILD" "$SUBMIT/build"
  ln -s "$REPO/bench" "$SUBMIT/bench"
fi
SWEEP=$SCRATCH/sweep

job_states() { # job_states JOBID: one JobState per job (array tasks each have their own)
  scontrol -o show job "$1" 2>/dev/null | sed -n 's/.*JobState=\([A-Z_]*\).*/\1/p'
}
wait_done() { # wait_done JOBID...: until no job is pending or running; each must end COMPLETED
  local id s all busy i f
  for i in $(seq 1 600); do
    all='' busy=0
    for id in "$@"; do
      s=$(job_states "$id" | paste -sd ' ')
      [ -n "$s" ] || busy=1
      all+=" $s"
    done
    for s in $all; do
      case $s in PENDING | CONFIGURING | RUNNING | COMPLETING | SUSPENDED | REQUEUED | RESIZING | SIGNALING | STAGE_OUT) busy=1 ;; esac
    done
    [ "$busy" = 1 ] || break
    [ "$i" -lt 600 ] || { show_logs; fail "jobs $* not finished after 300 s (states:$all)"; }
    sleep 0.5
  done
  for s in $all; do
    [ "$s" = COMPLETED ] && continue
    show_logs
    for id in "$@"; do scontrol -o show job "$id"; done
    tail -n 20 "$OUT"/*.out 2>/dev/null || true
    # A failed point's own log says why it failed (the tasks' output names it).
    for f in $(sed -n 's/^  failed point [0-9]*: //p' "$OUT"/*.out 2>/dev/null); do
      echo "--- $f"
      if [ -f "$f" ]; then tail -n 20 "$f"; else echo "(no such file)"; fi
    done
    fail "jobs $* did not all complete (states:$all)"
  done
}

# submit ROUND [TASK_IDS]: the array (every task, or only TASK_IDS such as 1,2, which then passes the
# array's full task count to sweep.sbatch) and its merge; job output goes to the scratch folder.
submit() {
  OUT=$SCRATCH/out/$1
  mkdir -p "$OUT"
  local array merge ids=${2:-0-$((TASKS - 1))} extra=()
  RAN_TASKS=$TASKS
  if [ -n "${2:-}" ]; then
    extra=("$TASKS")
    RAN_TASKS=$(tr ',' '\n' <<<"$2" | wc -l)
  fi
  # --cpus-per-task=1 overrides the script's 8, which a small node could never give.
  array=$(cd "$SUBMIT" && sbatch --parsable --array="$ids" --cpus-per-task=1 \
    --output="$OUT/infersim-sweep-%A_%a.out" "$REPO/scripts/sweep.sbatch" "$GRID" "$SWEEP" "${extra[@]}") ||
    fail "$1: sbatch of the array failed"
  array=${array%%;*}
  merge=$(cd "$SUBMIT" && sbatch --parsable --dependency=afterok:"$array" --job-name=infersim-merge \
    --output="$OUT/merge-%j.out" --wrap "build/infersim sweep --merge $SWEEP") ||
    fail "$1: sbatch of the merge failed"
  merge=${merge%%;*}
  say "$1: array job $array ($RAN_TASKS tasks), merge job $merge (afterok:$array)"
  wait_done "$array" "$merge"
  [ "$(ls "$OUT"/infersim-sweep-"$array"_*.out | wc -l)" = "$RAN_TASKS" ] ||
    fail "$1: expected $RAN_TASKS array task outputs in $OUT"
  grep -q "^merged $POINTS points: " "$OUT/merge-$merge.out" ||
    { cat "$OUT/merge-$merge.out"; fail "$1: the merge job did not merge $POINTS points"; }
  ARRAY=$array
}

# expect_counts ROUND FINISHED RUN: the sum over the array tasks of "N already finished, M run".
expect_counts() {
  local counts
  counts=$(cat "$OUT"/infersim-sweep-"$ARRAY"_*.out |
    sed -n 's/.*: \([0-9]*\) already finished, \([0-9]*\) run, \([0-9]*\) failed$/\1 \2 \3/p' |
    awk '{ f += $1; r += $2; x += $3; n++ } END { print n + 0, f + 0, r + 0, x + 0 }')
  [ "$counts" = "$RAN_TASKS $2 $3 0" ] || {
    cat "$OUT"/infersim-sweep-"$ARRAY"_*.out
    fail "$1: expected $RAN_TASKS tasks with $2 already finished, $3 run, 0 failed in all; got (tasks finished run failed) $counts"
  }
  say "$1: $RAN_TASKS tasks, $2 points already finished, $3 run, 0 failed"
}

expect_same() { # expect_same ROUND: Slurm's merged files against the one-process run's
  local ext
  for ext in csv json h5; do
    cmp "$SCRATCH/one/merged.$ext" "$SWEEP/merged.$ext" ||
      fail "$1: merged.$ext from Slurm differs from the one-process run's"
  done
  say "$1: merged.csv, merged.json, merged.h5 byte-identical to the one-process run"
}

submit first
expect_counts first 0 "$POINTS"
# Every task ran its own share: shard i/3 holds 12 points, and together they ran all 36 (above).
for t in $(seq 0 $((TASKS - 1))); do
  grep -q "$POINTS points in the grid, $((POINTS / TASKS)) in this shard ($t/$TASKS)" \
    "$OUT/infersim-sweep-${ARRAY}_$t.out" || fail "first: task $t did not run shard $t/$TASKS"
done

# --- 4. The same grid in one process, without Slurm -------------------------------------------------------
"$BIN" sweep "$GRID" --out-dir "$SCRATCH/one" --jobs 1 --no-progress >"$SCRATCH/one.out" 2>&1 ||
  { cat "$SCRATCH/one.out"; fail "the one-process sweep failed"; }
expect_same first

# --- 5. Resume: two points and the merged files gone, the same array again ----------------------------
for p in 0000003 0000030; do
  [ -f "$SWEEP/points/$p.json" ] || fail "no $SWEEP/points/$p.json to delete"
  rm "$SWEEP/points/$p.json"
done
rm "$SWEEP"/merged.*
submit resume
expect_counts resume $((POINTS - 2)) 2
for p in 0000003 0000030; do
  [ -f "$SWEEP/points/$p.json" ] || fail "resume: $SWEEP/points/$p.json was not run again"
done
expect_same resume

# --- 6. Only some tasks again: points 4 and 5 (shards 1 and 2 of 3) gone, tasks 1,2 resubmitted ----------
for p in 0000004 0000005; do rm "$SWEEP/points/$p.json"; done
rm "$SWEEP"/merged.*
submit partial 1,2
expect_counts partial $((2 * POINTS / TASKS - 2)) 2
for t in 1 2; do
  grep -q "in this shard ($t/$TASKS)" "$OUT/infersim-sweep-${ARRAY}_$t.out" || fail "partial: task $t did not run shard $t/$TASKS"
done
expect_same partial

echo PASS
