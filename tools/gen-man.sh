#!/bin/sh
# SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
# Make the socktrace(8) man page (roff) from its one source, docs/socktrace.8.md,
# a small subset of Markdown:
#   % TITLE SECTION "FOOTER"    the .TH line (first line)
#   # NAME                      a section; ## Name a subsection
#   `-x`, `--long ARG`          code (or *italic*) alone on a line: a tagged paragraph,
#                               the lines below are its body
#   four-space indent           literal lines (examples)
#   `code`, *emphasis*          bold, italic
#   blank line                  paragraph break
#   @DOCDIR@, @UNITDIR@         where make install puts the documents and the unit
# usage: gen-man.sh SOURCE [DOCDIR [UNITDIR]] > socktrace.8
set -eu
[ $# -ge 1 ] && [ $# -le 3 ] || { echo "usage: gen-man.sh SOURCE [DOCDIR [UNITDIR]]" >&2; exit 2; }
awk -v docdir="${2:-/usr/local/share/doc/socktrace}" -v unitdir="${3:-/etc/systemd/system}" '
function inline(s,   out, i, c, code, em) {
	out = ""; code = 0; em = 0
	for (i = 1; i <= length(s); i++) {
		c = substr(s, i, 1)
		if (c == "\\") { out = out "\\e"; continue }
		if (c == "`") { out = out (code ? "\\fR" : "\\fB"); code = !code; continue }
		if (c == "*" && !code) { out = out (em ? "\\fR" : "\\fI"); em = !em; continue }
		if (c == "-" && code) { out = out "\\-"; continue }
		out = out c
	}
	if (code || em) out = out "\\fR"
	return out
}
function line(s) {
	# a leading dot or quote would be a roff request
	if (s ~ /^[.\047]/) s = "\\&" s
	print s
}
function endlit() { if (lit) { print ".fi"; print ".RE"; lit = 0 } }
NR == 1 {
	if ($1 != "%") { print "gen-man: first line must be % TITLE SECTION \"FOOTER\"" > "/dev/stderr"; exit 1 }
	sub(/^% */, ""); print ".TH " $0; next
}
/^    / {
	if (!lit) { print ".RS 4"; print ".nf"; lit = 1 }
	s = substr($0, 5); gsub(/\\/, "\\e", s); line(s); next
}
{ endlit(); gsub(/@DOCDIR@/, docdir); gsub(/@UNITDIR@/, unitdir) }
/^$/ { blank = 1; next }
/^## / { sub(/^## /, ""); print ".SS " $0; blank = 0; next }
/^# / { sub(/^# /, ""); print ".SH " $0; blank = 0; next }
/^`[^`]+`(, `[^`]+`)*$/ || /^\*[^*]+\*$/ { print ".TP"; line(inline($0)); blank = 0; next }
{
	if (blank) { print ".PP"; blank = 0 }
	line(inline($0))
}
END { endlit() }
' "$1"
