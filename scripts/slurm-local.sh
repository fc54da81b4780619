#!/usr/bin/env bash
# A real Slurm cluster on this machine: one controller and two compute daemons (nodes n1, n2,
# 2 CPUs each) on localhost, for the tests and bench/slurm.sh, and for trying `vimo run
# --executor slurm` without a university cluster. Debian's slurmctld/slurmd/slurm-client come
# from scripts/bootstrap.sh. Everything lives in one folder of the project's (data/slurm, or
# $SLURM_LOCAL_DIR): slurm.conf, state, spool, pid and log files; nothing under /etc or /var.
#
#   scripts/slurm-local.sh start    write the config, start the daemons, wait until both nodes are idle
#                                   (a no-op when this cluster already answers)
#   scripts/slurm-local.sh stop     stop exactly the daemons this script started (by their pid files)
#   scripts/slurm-local.sh status   say whether it runs; exit 0 when it does, 1 when not
#   scripts/slurm-local.sh env      print `export SLURM_CONF=…` for the shell (eval "$(… env)")
#
# Ports: $SLURM_LOCAL_PORT (default 16817) for the controller, the next two for the nodes.
# Exit status: 0 done; 1 not running (status) or a daemon did not come up (its log is printed);
# 2 usage; 3 Slurm is not installed.
set -euo pipefail
cd "$(dirname "$0")/.."

DIR=${SLURM_LOCAL_DIR:-$PWD/data/slurm}
case "$DIR" in /*) ;; *) DIR=$PWD/$DIR ;; esac
PORT=${SLURM_LOCAL_PORT:-16817}
CONF=$DIR/slurm.conf
export SLURM_CONF=$CONF
USER_NAME=$(id -un)

need() {
  for tool in slurmctld slurmd sinfo scontrol sbatch; do
    command -v "$tool" >/dev/null 2>&1 || [ -x "/usr/sbin/$tool" ] || {
      echo "slurm-local: $tool is not installed (scripts/bootstrap.sh installs Debian's slurmctld, slurmd and slurm-client)" >&2
      exit 3
    }
  done
}
PATH=$PATH:/usr/sbin

pid_alive() { [ -s "$1" ] && kill -0 "$(cat "$1")" 2>/dev/null; }

answers() {
  [ -f "$CONF" ] && pid_alive "$DIR/run/slurmctld.pid" && timeout 5 scontrol ping 2>/dev/null | grep -q "UP"
}

write_config() {
  mkdir -p "$DIR/state" "$DIR/spool" "$DIR/run" "$DIR/log"
  cat > "$CONF.tmp" <<EOF
# Written by scripts/slurm-local.sh; a two-node cluster on localhost (see ../shared/SLURM.md).
ClusterName=vimo-local
SlurmctldHost=localhost
SlurmctldPort=$PORT
AuthType=auth/none
CredType=cred/none
SlurmUser=$USER_NAME
SlurmdUser=$USER_NAME
StateSaveLocation=$DIR/state
SlurmdSpoolDir=$DIR/spool/%n
SlurmctldPidFile=$DIR/run/slurmctld.pid
SlurmdPidFile=$DIR/run/slurmd-%n.pid
SlurmctldLogFile=$DIR/log/slurmctld.log
SlurmdLogFile=$DIR/log/slurmd-%n.log
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
JobAcctGatherType=jobacct_gather/none
AccountingStorageType=accounting_storage/none
JobCompType=jobcomp/filetxt
JobCompLoc=$DIR/log/jobcomp.txt
SelectType=select/cons_tres
SelectTypeParameters=CR_Core
MpiDefault=none
ReturnToService=2
SchedulerParameters=sched_interval=1
MinJobAge=600
KillWait=2
MailProg=/bin/true
SlurmdParameters=config_overrides
NodeName=n[1-2] NodeHostname=localhost NodeAddr=127.0.0.1 Port=[$((PORT + 1))-$((PORT + 2))] CPUs=2 RealMemory=1000
PartitionName=debug Nodes=n[1-2] Default=YES MaxTime=INFINITE State=UP
EOF
  mv "$CONF.tmp" "$CONF"
}

start() {
  need
  if answers; then echo "slurm-local: already running ($CONF)"; return 0; fi
  stop_daemons quiet
  # A fresh start forgets old jobs (job ids start again) and old node states.
  rm -rf "$DIR/state" "$DIR/spool"
  write_config
  mkdir -p "$DIR/spool/n1" "$DIR/spool/n2"
  slurmctld -f "$CONF" || { tail -20 "$DIR/log/slurmctld.log" >&2; exit 1; }
  for node in n1 n2; do
    slurmd -f "$CONF" -N "$node" || { tail -20 "$DIR/log/slurmd-$node.log" >&2; exit 1; }
  done
  for _ in $(seq 1 150); do
    idle=$(sinfo -h -t idle -o %D 2>/dev/null | head -1 || true)
    if [ "${idle:-0}" = "2" ]; then
      echo "slurm-local: 2 nodes idle (SLURM_CONF=$CONF)"
      return 0
    fi
    sleep 0.1
  done
  echo "slurm-local: the nodes did not become idle within 15 s; logs in $DIR/log" >&2
  sinfo >&2 || true
  tail -5 "$DIR/log/slurmctld.log" >&2 || true
  exit 1
}

# TERM, then KILL after 3 s, to the daemons named in our pid files only.
stop_daemons() {
  local pids=() file
  if pid_alive "$DIR/run/slurmctld.pid"; then
    timeout 5 scontrol shutdown >/dev/null 2>&1 || true
  fi
  for file in "$DIR"/run/slurmctld.pid "$DIR"/run/slurmd-*.pid; do
    [ -e "$file" ] || continue
    if pid_alive "$file"; then pids+=("$(cat "$file")"); fi
  done
  if ((${#pids[@]})); then
    kill -TERM "${pids[@]}" 2>/dev/null || true
    for _ in $(seq 1 30); do
      local alive=()
      for pid in "${pids[@]}"; do kill -0 "$pid" 2>/dev/null && alive+=("$pid"); done
      ((${#alive[@]})) || break
      sleep 0.1
    done
    kill -KILL "${pids[@]}" 2>/dev/null || true
  fi
  rm -f "$DIR"/run/*.pid
  [ "${1:-}" = quiet ] || echo "slurm-local: stopped"
}

case "${1:-}" in
  start) start ;;
  stop) stop_daemons ;;
  status)
    if answers; then echo "slurm-local: running (SLURM_CONF=$CONF)"; sinfo -h 2>/dev/null || true; exit 0; fi
    echo "slurm-local: not running"; exit 1 ;;
  env) echo "export SLURM_CONF=$CONF" ;;
  *) echo "usage: scripts/slurm-local.sh start|stop|status|env" >&2; exit 2 ;;
esac
