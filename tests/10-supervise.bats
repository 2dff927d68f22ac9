#!/usr/bin/env bats
# SPDX-License-Identifier: MIT
# Supervision: who the child runs as (user, groups, working directory, umask, no_new_privs,
# environment), the restart policy and its back-off, the parent death signal, the terminal
# handed to an interactive child, and pause mode. pid1 runs as the real PID 1 of a fresh PID
# namespace, except where the test is about pid1's own parent. Times use generous bounds.
# shellcheck disable=SC2016,SC2154 # sh -c scripts are single-quoted; bats sets $output, $stderr

bats_require_minimum_version 1.5.0
load lib/pid1

# A user made for these tests: a primary group of its own and one supplementary group. The
# names carry this run's pid, so two suites on one machine never delete each other's user.
: "${TUSER:=pid1sv$$}" "${TEXTRA:=pid1svx$$}"

# Run by the child: the lines of /proc/self/status that say who it is.
SHOW_IDS='grep -E "^(Uid|Gid|Groups|CapPrm|CapEff|NoNewPrivs):" /proc/self/status'

# Run outside the terminal while the child has it: pid1 (the child of $PTY_JOB) is neither
# stopped nor busy; it should sleep in poll, using next to no CPU time.
PID1_IDLE='p=$(cat /proc/"$PTY_JOB"/task/*/children)
p=${p%% *}
[ -n "$p" ] || { echo "pid1 is gone" >&2; exit 1; }
cpu() { sed "s/.*) //" "/proc/$p/stat" | awk "{ print \$12 + \$13 }"; }
state() { sed "s/.*) //" "/proc/$p/stat" | cut -c1; }
sleep 0.3
a=$(cpu)
sleep 1
b=$(cpu)
echo "pid1: state $(state), $((b - a)) ticks of CPU in 1 s" >&2
[ "$(state)" != T ] && [ $((b - a)) -lt 30 ]'

# write_conf: the config file for this test, from stdin; its path is in $CONF.
write_conf() {
	CONF=$BATS_TEST_TMPDIR/pid1.conf
	cat >"$CONF"
}

# field NAME: the value of "NAME:" in $output (lines from /proc/PID/status), words joined
# by single spaces.
field() {
	awk -v k="$1:" '$1 == k { $1 = ""; sub(/^ +/, ""); print }' <<<"$output"
}

# sorted WORD...: the words as numbers in ascending order, on one line.
sorted() {
	printf '%s\n' "$@" | sort -n | xargs
}

# status_of PID NAME: the value of NAME in /proc/PID/status.
status_of() {
	awk -v k="$2:" '$1 == k { $1 = ""; sub(/^ +/, ""); print }' "/proc/$1/status"
}

# state_of PID: the one-letter state of PID, or nothing once it is gone.
state_of() {
	sed 's/.*) //' "/proc/$1/stat" 2>/dev/null | cut -c1
}

# children_of PID: every child of PID, zombies included, one pid a line. Read from the
# kernel's own list: scanning all of /proc is slow on a busy machine.
children_of() {
	local kids
	read -r -a kids <<<"$(cat /proc/"$1"/task/*/children 2>/dev/null)"
	if [ "${#kids[@]}" -gt 0 ]; then
		printf '%s\n' "${kids[@]}"
	fi
}

# child_named PID NAME: the first child of PID whose command name is NAME.
child_named() {
	local c kids
	mapfile -t kids < <(children_of "$1")
	for c in "${kids[@]}"; do
		if [ "$(cat "/proc/$c/comm" 2>/dev/null)" = "$2" ]; then
			echo "$c"
			return 0
		fi
	done
	return 1
}

no_children_of() {
	[ -z "$(children_of "$1")" ]
}

# pid1_child: the main child of the background pid1 (outside view).
pid1_child() {
	children_of "$PID1_PID" | head -n 1
}

# pid1_sleeping: the background pid1 is asleep (in poll, waiting for a signal).
pid1_sleeping() {
	[ "$(state_of "$PID1_PID")" = S ]
}

# gone PID: PID has exited and been reaped, or at least exited (a zombie of some other
# process that reaps it later).
gone() {
	local s
	s=$(state_of "$1")
	[ -z "$s" ] || [ "$s" = Z ]
}

# lines FILE: how many lines FILE has (0 when missing).
lines() {
	if [ -f "$1" ]; then
		wc -l <"$1"
	else
		echo 0
	fi
}

# gaps FILE: the differences in milliseconds between consecutive nanosecond stamps in FILE.
gaps() {
	awk 'NR > 1 { printf "%d\n", ($1 - prev) / 1000000 } { prev = $1 }' "$1"
}

# with_umask MODE CMD...: runs CMD with the given umask (run puts it in a subshell).
with_umask() {
	umask "$1"
	shift
	"$@"
}

# ptyrun STEP... -- CMD...: CMD as the foreground job of a new pseudo-terminal, driven by
# the steps (see tests/helpers/ptyrun.py). Bash's prompt and history are kept plain.
ptyrun() {
	command -v python3 >/dev/null || skip_or_fail "python3 is needed to drive a terminal"
	timeout -k 5 "$PID1_TIMEOUT" env TERM=dumb INPUTRC=/dev/null \
		HISTFILE="$BATS_TEST_TMPDIR/history" PTYRUN_TIMEOUT=15 \
		python3 "$PID1_SRCDIR/tests/helpers/ptyrun.py" "$@"
}

setup_file() {
	# A run that was killed may have left the user behind.
	userdel "$TUSER" 2>/dev/null || true
	groupdel "$TUSER" 2>/dev/null || true
	groupdel "$TEXTRA" 2>/dev/null || true
	groupadd "$TEXTRA"
	useradd -M -U -G "$TEXTRA" -s /usr/sbin/nologin -d /nonexistent "$TUSER"
	# Each test runs in a process of its own, which sees these and keeps them.
	export TUSER TEXTRA
	TUID=$(id -u "$TUSER")
	TGID=$(id -g "$TUSER")
	TXGID=$(getent group "$TEXTRA" | cut -d: -f3)
	export TUID TGID TXGID
}

teardown_file() {
	userdel "$TUSER" 2>/dev/null || true
	groupdel "$TUSER" 2>/dev/null || true
	groupdel "$TEXTRA" 2>/dev/null || true
}

setup() {
	unset PID1_CONFIG
	H=$PID1_HELPERS
	S=$BATS_TEST_TMPDIR
	# The test's temporary directory is root's alone: an unprivileged child writes here.
	W=$(mktemp -d /tmp/pid1-supervise.XXXXXX)
	chmod 0777 "$W"
}

teardown() {
	# A test that failed half-way may leave pid1 running: end it, and the namespace with it.
	if [ -n "${PID1_PID:-}" ] && pid1_alive; then
		kill -KILL "$PID1_PID" 2>/dev/null || true
	fi
	if [ -n "${PID1_OUTER:-}" ]; then
		wait "$PID1_OUTER" 2>/dev/null || true
	fi
	if [ -n "${ORPHAN_PID1:-}" ]; then
		kill -KILL "$ORPHAN_PID1" 2>/dev/null || true
	fi
	if [ -f "$S/err" ]; then
		sed 's/^/# stderr: /' "$S/err"
	fi
	# pid1's stderr from the last `run --separate-stderr`, shown when a test fails.
	if [ -n "${stderr:-}" ]; then
		printf '# stderr: %s\n' "${stderr//$'\n'/$'\n'# stderr: }"
	fi
	rm -rf "$W"
}

# --- who the child runs as ---

@test "--user NAME runs the child as that user, its primary group and its supplementary groups" {
	run -0 --separate-stderr pid1_run --user "$TUSER" -- sh -c "$SHOW_IDS"
	assert_equal "$(field Uid)" "$TUID $TUID $TUID $TUID"
	assert_equal "$(field Gid)" "$TGID $TGID $TGID $TGID"
	# shellcheck disable=SC2046 # the groups are words on purpose
	assert_equal "$(sorted $(field Groups))" "$(sorted "$TGID" "$TXGID")"
}

@test "--user NAME:GROUP takes that group; a bare UID:GID without passwd entry gets no groups" {
	run -0 --separate-stderr pid1_run --user "$TUSER:daemon" -- sh -c "$SHOW_IDS"
	assert_equal "$(field Uid)" "$TUID $TUID $TUID $TUID"
	assert_equal "$(field Gid)" "1 1 1 1"
	# The user's own groups, as login would give them with that primary group.
	# shellcheck disable=SC2046
	assert_equal "$(sorted $(field Groups))" "$(sorted 1 "$TXGID")"

	run -0 --separate-stderr pid1_run --user 4321:4322 -- sh -c "$SHOW_IDS"
	assert_equal "$(field Uid)" "4321 4321 4321 4321"
	assert_equal "$(field Gid)" "4322 4322 4322 4322"
	assert_equal "$(field Groups)" ""
}

@test "the child cannot regain root: every uid is the user's, no capabilities, setpriv fails" {
	run -0 --separate-stderr pid1_run --user nobody -- sh -c "$SHOW_IDS
		setpriv --reuid=0 --regid=0 --clear-groups true 2>/dev/null
		echo setpriv=\$?"
	assert_equal "$(field Uid)" "65534 65534 65534 65534"
	assert_equal "$(field CapPrm)" "0000000000000000"
	assert_equal "$(field CapEff)" "0000000000000000"
	assert_line --regexp '^setpriv=[0-9]+$'
	refute_line "setpriv=0"
}

@test "a user or group that does not exist is exit 2 naming it, and the child never runs" {
	run -2 --separate-stderr pid1_run --user pid1-no-such-user -- touch "$W/ran"
	assert_equal "$output" ""
	[[ "$stderr" == *"'pid1-no-such-user'"* ]]
	[ ! -e "$W/ran" ]

	run -2 --separate-stderr pid1_run --user nobody:pid1-no-such-group -- touch "$W/ran"
	[[ "$stderr" == *"'pid1-no-such-group'"* ]]
	[ ! -e "$W/ran" ]
}

@test "--workdir runs the child in that directory" {
	mkdir "$S/work dir"
	cd /
	run -0 --separate-stderr pid1_run --workdir "$S/work dir" -- pwd -P
	assert_equal "$output" "$(cd "$S/work dir" && pwd -P)"
}

@test "--workdir is entered as the user: a directory only root may enter is exit 1, no child" {
	run -0 --separate-stderr pid1_run --user nobody --workdir "$W" -- pwd -P
	assert_equal "$output" "$(cd "$W" && pwd -P)"

	mkdir -m 0700 "$W/private"
	run -1 --separate-stderr pid1_run --user nobody --workdir "$W/private" -- touch "$W/ran"
	[[ "$stderr" == *"working directory"*"Permission denied"* ]]
	[ ! -e "$W/ran" ]
}

@test "--umask sets the child's umask; without it the child keeps the one pid1 was given" {
	run -0 --separate-stderr with_umask 0022 pid1_run --umask 027 -- \
		sh -c 'umask; : >"$1"; stat -c %a "$1"' sh "$S/file"
	assert_equal "$output" "0027
640"
	run -0 --separate-stderr with_umask 0002 pid1_run -- sh -c umask
	assert_equal "$output" "0002"
}

@test "--no-new-privileges sets NoNewPrivs for the child, which is off without it" {
	run -0 --separate-stderr pid1_run --no-new-privileges -- sh -c "$SHOW_IDS"
	assert_equal "$(field NoNewPrivs)" "1"
	run -0 --separate-stderr pid1_run -- sh -c "$SHOW_IDS"
	assert_equal "$(field NoNewPrivs)" "0"
}

@test "pid1 stays root and keeps signalling and reaping a child that runs as nobody" {
	pid1_start -v --user nobody --no-new-privileges -- "$H/sigdump" "$W/sig"
	wait_until file_has "$W/sig" ready
	local child
	child=$(pid1_child)
	[ -n "$child" ]
	assert_equal "$(status_of "$child" Uid)" "65534 65534 65534 65534"
	assert_equal "$(status_of "$child" NoNewPrivs)" "1"
	# Only the child changed: pid1 keeps root, its capabilities and the right to gain more.
	assert_equal "$(status_of "$PID1_PID" Uid)" "0 0 0 0"
	assert_equal "$(status_of "$PID1_PID" NoNewPrivs)" "0"
	[ "$(status_of "$PID1_PID" CapEff)" != 0000000000000000 ]

	send_to_pid1 USR1
	wait_until file_has "$W/sig" SIGUSR1
	send_to_pid1 TERM
	pid1_wait
	[ "$status" -eq 0 ]
	file_has "$W/sig" SIGTERM
	log_has "exited with status 0"
}

@test "the ladder ends a child that runs as nobody and ignores SIGINT with SIGTERM: exit 143" {
	write_conf <<-'EOF'
		shutdown {
			step SIGINT { grace = 500ms }
			step SIGTERM { grace = 5s }
			step SIGKILL { grace = 1s }
		}
	EOF
	pid1_start -c "$CONF" --user nobody -- "$H/stubborn" INT
	wait_until file_has "$S/out" ready
	assert_equal "$(status_of "$(pid1_child)" Uid)" "65534 65534 65534 65534"
	send_to_pid1 TERM
	pid1_wait
	[ "$status" -eq 143 ]
	log_has "shutdown step 2/3: SIGTERM"
	log_has "killed by SIGTERM"
}

# --- the same from the config file ---

@test "config: user, group, workdir, umask and no-new-privileges apply to the child" {
	write_conf <<-EOF
		user = $TUSER
		group = daemon
		workdir = "$W"
		umask = 027
		no-new-privileges = true
	EOF
	run -0 --separate-stderr pid1_run -c "$CONF" -- sh -c "$SHOW_IDS; pwd -P; umask"
	assert_equal "$(field Uid)" "$TUID $TUID $TUID $TUID"
	assert_equal "$(field Gid)" "1 1 1 1"
	# shellcheck disable=SC2046
	assert_equal "$(sorted $(field Groups))" "$(sorted 1 "$TXGID")"
	assert_equal "$(field NoNewPrivs)" "1"
	assert_line "$(cd "$W" && pwd -P)"
	assert_line "0027"
}

@test "config: env sets and overrides variables, unset-env removes them" {
	write_conf <<-'EOF'
		env = { "PID1_SV_NEW=one", "PID1_SV_OVER=new value" }
		unset-env = { "PID1_SV_GONE" }
	EOF
	export PID1_SV_OVER=old PID1_SV_GONE=x PID1_SV_KEPT=k
	run -0 --separate-stderr pid1_run -c "$CONF" -- sh -c 'env | grep ^PID1_SV_ | sort'
	assert_equal "$output" "PID1_SV_KEPT=k
PID1_SV_NEW=one
PID1_SV_OVER=new value"
}

@test "config: the command line beats the file for user, workdir and umask" {
	write_conf <<-EOF
		user = $TUSER
		workdir = "/"
		umask = 077
	EOF
	run -0 --separate-stderr pid1_run -c "$CONF" --user nobody --workdir "$W" --umask 027 \
		-- sh -c "$SHOW_IDS; pwd -P; umask"
	assert_equal "$(field Uid)" "65534 65534 65534 65534"
	assert_line "$(cd "$W" && pwd -P)"
	assert_line "0027"
}

@test "config: a user that does not exist is exit 2 naming it, and the child never runs" {
	write_conf <<-'EOF'
		user = pid1-no-such-user
	EOF
	run -2 --separate-stderr pid1_run -c "$CONF" -- touch "$W/ran"
	[[ "$stderr" == *"'pid1-no-such-user'"* ]]
	[ ! -e "$W/ran" ]
}

# --- restart policy ---

@test "--restart on-failure with built-in settings restarts a failed child until it succeeds" {
	run -0 --separate-stderr pid1_run --restart on-failure -- \
		sh -c 'echo run >>"$1"; [ "$(wc -l <"$1")" -ge 2 ] || exit 3' sh "$S/runs"
	assert_equal "$(lines "$S/runs")" 2
}

@test "restarts are counted and spaced by a doubling delay; past the limit pid1 gives up" {
	write_conf <<-'EOF'
		restart {
			policy = on-failure
			delay = 200ms
			max-delay = 10s
			limit = 3
			window = 60s
		}
	EOF
	# Each run stamps its start and fails with 10 + its number, so the last status shows.
	run -14 --separate-stderr pid1_run -c "$CONF" -- \
		sh -c 'date +%s%N >>"$1"; exit $((10 + $(wc -l <"$1")))' sh "$S/runs"
	assert_equal "$(lines "$S/runs")" 4
	local g
	mapfile -t g < <(gaps "$S/runs")
	assert_between "gap before restart 1" "${g[0]}" 190 3200
	assert_between "gap before restart 2" "${g[1]}" 390 3400
	assert_between "gap before restart 3" "${g[2]}" 790 3800
	[[ "$stderr" == *"giving up"* ]]
}

@test "the restart back-off stops doubling at max-delay" {
	write_conf <<-'EOF'
		restart {
			policy = on-failure
			delay = 100ms
			max-delay = 300ms
			limit = 5
			window = 60s
		}
	EOF
	run -1 --separate-stderr pid1_run -c "$CONF" -- \
		sh -c 'date +%s%N >>"$1"; exit 1' sh "$S/runs"
	assert_equal "$(lines "$S/runs")" 6
	local g
	mapfile -t g < <(gaps "$S/runs")
	# The delays pid1 chose, exactly; the measured gaps, with room for a loaded machine.
	assert_equal "$(grep -o 'restarting main in [0-9a-z]*' <<<"$stderr" | awk '{print $4}' | tr '\n' ' ')" \
		"100ms 200ms 300ms 300ms 300ms "
	assert_between "gap before restart 1" "${g[0]}" 90 3000
	assert_between "gap before restart 2" "${g[1]}" 190 3000
	# Without the cap these would be 400, 800 and 1600 ms.
	assert_between "gap before restart 3" "${g[2]}" 290 3000
	assert_between "gap before restart 4" "${g[3]}" 290 3000
	assert_between "gap before restart 5" "${g[4]}" 290 3000
}

@test "on-failure restarts after a failure and after a death by signal, not after exit 0" {
	write_conf <<-'EOF'
		restart {
			policy = on-failure
			delay = 100ms
			limit = 5
			window = 60s
		}
	EOF
	run -0 --separate-stderr pid1_run -c "$CONF" -- sh -c 'echo run >>"$1"
		case $(wc -l <"$1") in
		1) exit 5 ;;
		2) kill -KILL $$ ;;
		esac
		exit 0' sh "$S/runs"
	assert_equal "$(lines "$S/runs")" 3
}

@test "--restart always restarts after exit 0 too, over the file's policy = no" {
	write_conf <<-'EOF'
		restart {
			policy = no
			delay = 100ms
			limit = 2
			window = 60s
		}
	EOF
	run -0 --separate-stderr pid1_run -c "$CONF" --restart always -- \
		sh -c 'echo run >>"$1"' sh "$S/runs"
	assert_equal "$(lines "$S/runs")" 3
}

@test "--restart no beats the file's policy = always" {
	write_conf <<-'EOF'
		restart {
			policy = always
			delay = 100ms
			limit = 5
			window = 60s
		}
	EOF
	run -3 --separate-stderr pid1_run -c "$CONF" --restart no -- \
		sh -c 'echo run >>"$1"; exit 3' sh "$S/runs"
	assert_equal "$(lines "$S/runs")" 1
}

@test "SIGTERM during the restart back-off ends pid1 at once with the child's last status" {
	write_conf <<-'EOF'
		restart {
			policy = on-failure
			delay = 10s
			limit = 5
			window = 5m
		}
	EOF
	pid1_start -c "$CONF" -- sh -c 'echo run >>"$1"; exit 3' sh "$S/runs"
	wait_until log_has "restarting main in"
	local t0
	t0=$(now_ms)
	send_to_pid1 TERM
	pid1_wait
	assert_between "time to exit during a 10 s back-off" $(($(now_ms) - t0)) 0 3000
	[ "$status" -eq 3 ]
	assert_equal "$(lines "$S/runs")" 1
	log_has "exiting with code 3"
}

@test "orphans the old child left behind are reaped during the restart back-off" {
	write_conf <<-'EOF'
		restart {
			policy = on-failure
			delay = 10s
			limit = 5
			window = 5m
		}
	EOF
	pid1_start -c "$CONF" -- sh -c 'echo run >>"$1"; sleep 2 & exit 3' sh "$S/runs"
	wait_until log_has "restarting main in"
	# The sleep is pid1's now; once it exits it must not stay a zombie.
	wait_until child_named "$PID1_PID" sleep
	local orphan
	orphan=$(child_named "$PID1_PID" sleep)
	wait_until no_children_of "$PID1_PID"
	[ ! -e "/proc/$orphan" ]
	pid1_alive
	assert_equal "$(lines "$S/runs")" 1
	send_to_pid1 TERM
	pid1_wait
	[ "$status" -eq 3 ]
}

# --- parent death signal ---

@test "-p SIGUSR1: pid1 gets SIGUSR1 when its parent exits and forwards it to the child" {
	# The shell is pid1's parent; it leaves once the child is ready. pid1 is not PID 1 here.
	# shellcheck disable=SC2086 # PID1_WRAPPER is a word list on purpose
	sh -c '$0 "$1" -p SIGUSR1 -- "$2" "$3" >/dev/null 2>"$4" 3>&- &
		echo $! >"$5"
		i=0
		until grep -qx ready "$3" 2>/dev/null; do
			i=$((i + 1))
			[ "$i" -lt 400 ] || exit 1
			sleep 0.05
		done' "${PID1_WRAPPER:-env}" "$PID1" "$H/sigdump" "$S/sig" "$S/err" "$S/pid"
	ORPHAN_PID1=$(cat "$S/pid")
	wait_until file_has "$S/sig" SIGUSR1
	kill -TERM "$ORPHAN_PID1"
	wait_until gone "$ORPHAN_PID1"
	file_has "$S/sig" SIGTERM
}

# --- the terminal ---

@test "an interactive shell gets the terminal: Ctrl-C ends only its job, exit 7 ends pid1 with 7" {
	# Bash takes the terminal itself when it starts in the foreground group, so this guards
	# interactive use as a whole; the next test is the one that needs pid1's hand-over.
	# shellcheck disable=SC2086
	run ptyrun 'expect:[#$] $' "send:PS1='PROMPT''> '\\r" 'expect:^PROMPT> ' \
		'send:read -r -a f </proc/$$/stat; echo "pid=$$ pgrp=${f[4]} tpgid=${f[7]}"\r' \
		'expect:^pid=' 'expect:^PROMPT> ' \
		'send:sh -c "echo sleep''ing; exec sleep 100"\r' 'expect:^sleeping' \
		"check:$PID1_IDLE" 'send:\x03' 'expect:^PROMPT> ' \
		'send:echo al""ive\r' 'expect:^alive' 'send:exit 7\r' 'wait' \
		-- unshare --pid --fork --mount-proc --kill-child $PID1_WRAPPER "$PID1" \
		-- bash --norc -i
	assert_success
	assert_line "ptyrun: exit 7"
	assert_line --regexp '^pid=([0-9]+) pgrp=\1 tpgid=\1$'
	refute_output --partial "no job control"
	refute_output --partial "shutdown begins"
}

@test "a child without job control of its own leads the terminal's foreground group; Ctrl-C skips pid1" {
	cat >"$S/child" <<-'EOF'
		trap 'echo got-int' INT
		read -r -a f </proc/$$/stat
		echo "pid=$$ pgrp=${f[4]} tpgid=${f[7]}"
		echo ready
		while :; do
			read -r line
			rc=$?
			[ "$rc" -gt 128 ] && continue
			[ "$rc" -eq 0 ] || exit 99
			case $line in
			quit*) exit "${line#quit }" ;;
			*) echo "said $line" ;;
			esac
		done
	EOF
	# shellcheck disable=SC2086
	# A SIGINT that lands between two commands is run by bash only once `read` returns:
	# the empty line after Ctrl-C makes sure it does.
	run ptyrun 'expect:^ready' 'send:\x03' 'send:\r' 'expect:got-int' "check:$PID1_IDLE" \
		'send:hello\r' 'expect:^said hello' 'send:quit 7\r' 'wait' \
		-- unshare --pid --fork --mount-proc --kill-child $PID1_WRAPPER "$PID1" \
		-- bash "$S/child"
	assert_success
	assert_line "ptyrun: exit 7"
	# Inside the namespace the child is pid 2; pid1's group is not even visible there.
	assert_line --regexp '^pid=([0-9]+) pgrp=\1 tpgid=\1$'
	refute_output --partial "shutdown begins"
}

@test "pid1 neither stops nor spins writing to a terminal with tostop while the child has it" {
	# With tostop a background write raises SIGTTOU: pid1 logs a forwarded signal while the
	# child has the terminal, and the child's exit while its group still owns it.
	cat >"$S/child" <<-'EOF'
		trap 'echo got-usr1' USR1
		stty tostop
		echo ready
		while :; do
			read -r line
			rc=$?
			[ "$rc" -gt 128 ] && continue
			[ "$rc" -eq 0 ] || exit 99
			case $line in
			quit*) exit "${line#quit }" ;;
			esac
		done
	EOF
	# shellcheck disable=SC2086
	run ptyrun 'expect:^ready' 'check:p=$(cat /proc/"$PTY_JOB"/task/*/children); kill -USR1 $p' \
		'expect:got-usr1' "check:$PID1_IDLE" 'send:quit 7\r' 'wait' \
		-- unshare --pid --fork --mount-proc --kill-child $PID1_WRAPPER "$PID1" -v \
		-- bash "$S/child"
	assert_success
	assert_line "ptyrun: exit 7"
}

# --- pause mode ---

@test "--pause runs no command, reaps orphans put into its namespace, exits 0 on SIGTERM" {
	pid1_start -v --pause
	wait_until log_has "pause mode"
	nsenter -t "$PID1_PID" -p -m sh -c '(sleep 1 &)'
	# The sleep's parent left at once: it is pid1's now, and must not stay a zombie.
	wait_until child_named "$PID1_PID" sleep
	wait_until no_children_of "$PID1_PID"
	# A burst of orphans that exit together.
	nsenter -t "$PID1_PID" -p -m "$H/orphans" 50 >"$S/orphans"
	file_has "$S/orphans" "orphaned 50"
	wait_until no_children_of "$PID1_PID"
	pid1_alive
	wait_until pid1_sleeping
	send_to_pid1 TERM
	pid1_wait
	[ "$status" -eq 0 ]
	log_has "exiting with code 0"
}

@test "--pause with a command is a usage error: exit 2, nothing runs" {
	run -2 --separate-stderr pid1_run --pause -- touch "$W/ran"
	[[ "$stderr" == *"--pause"* ]]
	[ ! -e "$W/ran" ]
}

# --- a child that runs as another user, and pid1's terminal ---

# allow_tiocsti: lets unprivileged processes use TIOCSTI (dev.tty.legacy_tiocsti = 1 on
# kernels that have the switch), so that only pid1 stands between the child and the
# terminal; restore_tiocsti puts the old value back.
allow_tiocsti() {
	local knob=/proc/sys/dev/tty/legacy_tiocsti
	TIOCSTI_WAS=
	[ -e "$knob" ] || return 0
	TIOCSTI_WAS=$(cat "$knob")
	[ "$TIOCSTI_WAS" = 1 ] || echo 1 >"$knob" ||
		skip_or_fail "cannot set dev.tty.legacy_tiocsti to 1"
}

restore_tiocsti() {
	if [ -n "$TIOCSTI_WAS" ] && [ "$TIOCSTI_WAS" != 1 ]; then
		echo "$TIOCSTI_WAS" >/proc/sys/dev/tty/legacy_tiocsti
	fi
}

# root_shell_runs COMMAND: a root bash on a new terminal runs COMMAND, a pid1 that starts
# tiocsti as another user, then one more command of its own and exits. Whatever tiocsti
# pushed into the terminal is read by that root shell as if typed.
root_shell_runs() {
	ptyrun 'expect:[#$] $' "send:PS1='PROMPT''> '\\r" 'expect:^PROMPT> ' \
		"send:$1\\r" 'expect:^/dev/tty: ' 'expect:^PROMPT> ' \
		'send:echo do""ne\r' 'expect:^done' 'send:exit 0\r' 'wait' -- bash --norc -i
}

@test "a child run as another user cannot push input into pid1's terminal (TIOCSTI)" {
	allow_tiocsti
	run root_shell_runs "$PID1_WRAPPER $PID1 --user nobody -- $H/tiocsti 'touch $S/pwned'"
	restore_tiocsti
	assert_success
	# A session of its own: no controlling terminal, so the kernel refuses the push.
	assert_line "ctty tty_nr=0 tpgid=-1"
	assert_line "fd 0: Operation not permitted"
	assert_line "/dev/tty: No such device or address"
	[ ! -e "$S/pwned" ]
}

@test "with fds 0-2 redirected the child still cannot reach pid1's controlling terminal" {
	allow_tiocsti
	run root_shell_runs "$PID1_WRAPPER $PID1 --user nobody -- $H/tiocsti 'touch $S/pwned' \
		</dev/null >$S/said 2>&1; cat $S/said"
	restore_tiocsti
	assert_success
	assert_line "ctty tty_nr=0 tpgid=-1"
	assert_line "/dev/tty: No such device or address"
	[ ! -e "$S/pwned" ]
}

@test "terminal = shared keeps a child run as another user on pid1's terminal, TIOCSTI and all" {
	write_conf <<-'EOF'
		user = nobody
		terminal = shared
	EOF
	allow_tiocsti
	run root_shell_runs "$PID1_WRAPPER $PID1 -c $CONF -- $H/tiocsti 'touch $S/pwned'"
	restore_tiocsti
	assert_success
	# The child leads the terminal's foreground group, as a root child would.
	assert_line --regexp '^ctty tty_nr=[1-9][0-9]* tpgid=[1-9][0-9]*$'
	assert_line "fd 0: pushed"
	# What it typed, the root shell ran: the risk the default guards against.
	[ -e "$S/pwned" ]
}

@test "a child run as another user is not given the terminal: Ctrl-C goes to pid1, which shuts down" {
	# shellcheck disable=SC2086
	run ptyrun 'expect:^ready' 'send:\x03' 'wait' \
		-- unshare --pid --fork --mount-proc --kill-child $PID1_WRAPPER "$PID1" \
		--user nobody -- sh -c 'read -r _ _ _ _ _ _ tty _ </proc/self/stat; echo "tty=$tty"
			echo ready; exec sleep 100'
	assert_success
	assert_line "tty=0"
	# The ladder's first step, SIGINT, ends the sleep: 128 + 2.
	assert_line --partial "shutdown begins: SIGINT"
	assert_line "ptyrun: exit 130"
}

@test "without a terminal a child run as another user stays in pid1's session" {
	# No controlling terminal and no terminal on fds 0-2: nothing to keep the child from.
	# shellcheck disable=SC2086
	run -0 --separate-stderr setsid -w timeout -k 5 "$PID1_TIMEOUT" \
		unshare --pid --fork --mount-proc --kill-child $PID1_WRAPPER "$PID1" \
		--user nobody -- sh -c 'read -r _ _ _ _ _ sid _ </proc/self/stat; echo "sid=$sid"' \
		</dev/null
	# The session began outside the namespace, so it shows as 0 there.
	assert_output "sid=0"
}

# --- ids already in effect, ids with no passwd entry, the new user's environment ---

@test "pid1 run by an unprivileged user may name that user: the child runs as it" {
	local gid
	gid=$(id -g nobody)
	# Its runtime directory is the test's, as pid1_run's: not /tmp/pid1-65534, which another
	# file's pid1 run by nobody may be using at the same time.
	# shellcheck disable=SC2086
	PID1_RUNTIME_DIR=$(pid1_runtime_dir) run -0 --separate-stderr timeout -k 5 "$PID1_TIMEOUT" \
		unshare --pid --fork --mount-proc --kill-child \
		setpriv --reuid=nobody --regid="$gid" --clear-groups $PID1_WRAPPER "$PID1" \
		--user nobody -- sh -c "$SHOW_IDS; echo ran"
	assert_equal "$(field Uid)" "65534 65534 65534 65534"
	assert_equal "$(field Gid)" "$gid $gid $gid $gid"
	assert_line ran
	# A change it has no right to make is refused before anything starts, and named.
	# shellcheck disable=SC2086
	PID1_RUNTIME_DIR=$(pid1_runtime_dir) run -2 --separate-stderr timeout -k 5 "$PID1_TIMEOUT" \
		unshare --pid --fork --mount-proc --kill-child \
		setpriv --reuid=nobody --regid="$gid" --clear-groups $PID1_WRAPPER "$PID1" \
		--user 4321 -- touch "$W/ran"
	[[ "$stderr" == *"program 'main': user '4321' needs CAP_SETGID, CAP_SETUID and CAP_KILL, which pid1 lacks"* ]]
	[ ! -e "$W/ran" ]
}

@test "--user UID without a passwd entry gets group 0 and no supplementary groups, as in Docker" {
	run -0 --separate-stderr pid1_run --user 4321 -- sh -c "$SHOW_IDS"
	assert_equal "$(field Uid)" "4321 4321 4321 4321"
	assert_equal "$(field Gid)" "0 0 0 0"
	assert_equal "$(field Groups)" ""
}

@test "a child that becomes another user gets its HOME, USER and LOGNAME" {
	local show='echo "$HOME ${USER-unset} ${LOGNAME-unset}"'
	HOME=/root USER=root LOGNAME=root run -0 --separate-stderr \
		pid1_run --user "$TUSER" -- sh -c "$show"
	assert_output "/nonexistent $TUSER $TUSER"
	# No passwd entry: HOME is /, and there is no name to give.
	HOME=/root USER=root LOGNAME=root run -0 --separate-stderr \
		pid1_run --user 4321 -- sh -c "$show"
	assert_output "/ unset unset"
	# No new user, no change.
	HOME=/root USER=root LOGNAME=root run -0 --separate-stderr \
		pid1_run --user root:daemon -- sh -c "$show"
	assert_output "/root root root"
}

@test "config: env and unset-env win over the new user's HOME, USER and LOGNAME" {
	write_conf <<-EOF
		user = $TUSER
		env = { "HOME=/srv/app" }
		unset-env = { "LOGNAME" }
	EOF
	HOME=/root USER=root LOGNAME=root run -0 --separate-stderr pid1_run -c "$CONF" -- \
		sh -c 'echo "$HOME ${USER-unset} ${LOGNAME-unset}"'
	assert_output "/srv/app $TUSER unset"
}
