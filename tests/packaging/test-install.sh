#!/bin/bash
# make install / make uninstall with DESTDIR (docs/design.md §9, docs/building.md "Installing and packages"):
# exactly the expected files, the hook's link in libvirt's hook directory,
# an AppArmor profile naming the installed paths, one life cycle run by the
# installed programs, and nothing left after make uninstall.
set -eu
. "$top_srcdir/tests/packaging/installed-lib.sh"
D=$(mktemp -d "${TMPDIR:-/tmp}/vgpu-destdir-XXXXXX")
trap 'cleanup; rm -rf "$D"' EXIT

MAKE=${MAKE:-make}
# A make of its own: not a job of the make check that runs this test.
mk() { env -u MAKEFLAGS -u MFLAGS -u MAKELEVEL "$MAKE" -s --no-print-directory -C "$top_builddir" "$@"; }
# The installation directories, as make expands them.
dirs=$(mk -f Makefile -f - print-install-dirs <<'MK'
print-install-dirs:
	@echo bindir='$(bindir)' sbindir='$(sbindir)' pkglibdir='$(pkglibdir)' mandir='$(mandir)' \
		docdir='$(docdir)' pkgdatadir='$(pkgdatadir)' libvirthookdir='$(libvirthookdir)' \
		bashcompletiondir='$(bashcompletiondir)' tmpfilesdir='$(tmpfilesdir)' apparmordir='$(apparmordir)' \
		systemdsystemunitdir='$(systemdsystemunitdir)' initddir='$(initddir)' ocfdir='$(ocfdir)'
	@echo "templates='$(notdir $(dist_template_DATA))'"
MK
)
eval "$dirs"

mk install DESTDIR="$D" >/dev/null
expected() {
        printf '%s\n' "$bindir/vgpuctl" "$sbindir/vgpu-hook" \
                "$pkglibdir/vgpu-hook-ops.so" "$pkglibdir/vgpuctl-libvirt.so" \
                "$libvirthookdir/vgpu-hook" \
                "$mandir/man8/vgpuctl.8" "$mandir/man8/vgpu-hook.8" "$mandir/man5/vgpu-hook.conf.5" \
                "$bashcompletiondir/vgpuctl" "$tmpfilesdir/vgpu-hook.conf" \
                "$docdir/examples/vgpu-hook.conf" "$ocfdir/vgpu-capacity"
        for t in $templates; do
                echo "$pkgdatadir/xml-templates/$t"
        done
        for p in a10-4q gpu-full gvtg-4 l4-4q mtty-2 nvme-vf t4-4q; do
                echo "$docdir/examples/profiles.d/$p.json"
        done
        [ "$apparmordir" = no ] || echo "$apparmordir/usr.sbin.vgpu-hook"
        for u in vgpu-hook-boot.service vgpu-hook-reconcile.service vgpu-hook-reconcile.timer; do
                echo "$systemdsystemunitdir/$u"
        done
        [ "$initddir" = no ] || echo "$initddir/vgpu-hook-boot"
}
(cd "$D" && find . ! -type d | sed 's|^\.||' | sort) >"$D.got"
expected | sort >"$D.want"
check "make install: exactly the expected files ($(diff "$D.want" "$D.got" | grep '^[<>]' | tr '\n' ' '))" \
        cmp -s "$D.want" "$D.got"
rm -f "$D.want" "$D.got"
check "the templates include the mdev ones" grep -q 'vgpu-mdev-profile.xml.*vgpu-mdev-pinned.xml\|vgpu-mdev-pinned.xml.*vgpu-mdev-profile.xml' <<<"$templates"
check "the hook's link in libvirt's hook directory points at sbin" \
        [ "$(readlink "$D$libvirthookdir/vgpu-hook")" = "$sbindir/vgpu-hook" ]
check "the programs are executable" [ -x "$D$sbindir/vgpu-hook" -a -x "$D$bindir/vgpuctl" ]
check "the tmpfiles.d entry makes /run/vgpu-hook private to root" \
        grep -qx 'd /run/vgpu-hook 0700 root root -' "$D$tmpfilesdir/vgpu-hook.conf"
if [ "$apparmordir" != no ]; then
        aa="$D$apparmordir/usr.sbin.vgpu-hook"
        check "the AppArmor profile confines the installed hook" grep -q "^profile vgpu-hook $sbindir/vgpu-hook {" "$aa"
        check "… and maps its installed module" grep -q "^  $pkglibdir/vgpu-hook-ops.so mr,$" "$aa"
        check "… with no placeholder left" not grep -q '@[A-Z]*@' "$aa"
fi
check "the boot unit runs the installed vgpuctl" \
        grep -qx "ExecStart=$bindir/vgpuctl wait-devices --timeout 90" "$D$systemdsystemunitdir/vgpu-hook-boot.service"
check "the reconcile unit too" grep -qx "ExecStart=$bindir/vgpuctl reconcile" "$D$systemdsystemunitdir/vgpu-hook-reconcile.service"
[ "$initddir" = no ] || check "the boot script is executable and runs the installed vgpuctl" \
        [ -x "$D$initddir/vgpu-hook-boot" -a -n "$(grep -x "VGPUCTL=$bindir/vgpuctl" "$D$initddir/vgpu-hook-boot")" ]
check "vgpuctl.8 renders without a warning" \
        [ -z "$(LC_ALL=C.UTF-8 MANWIDTH=80 man --warnings -E UTF-8 -l -Tutf8 -Z "$D$mandir/man8/vgpuctl.8" 2>&1 >/dev/null)" ]
for c in $("$D$bindir/vgpuctl" --help | awk '/^Commands:/ { on = 1; next } on && !NF { exit } on { print $1 }'); do
        check "vgpuctl.8 documents '$c'" grep -Eq "^\.B.*[ \"P]$(sed 's/-/\\\\-/g' <<<"$c")([ \"]|$)" "$D$mandir/man8/vgpuctl.8"
done
check "the bash completion loads" bash -c ". '$D$bashcompletiondir/vgpuctl' 2>&1; complete -p vgpuctl"

# The installed programs, through the link libvirt runs.
HOOK="$D$libvirthookdir/vgpu-hook"
HOOK=$(readlink -f "$D$(readlink "$HOOK")")
VGPUCTL="$D$bindir/vgpuctl"
export VGPU_HOOK_MODULE="$D$pkglibdir/vgpu-hook-ops.so"
installed_life_cycle

mk uninstall DESTDIR="$D" >/dev/null
check "make uninstall leaves no file ($(cd "$D" && find . ! -type d | tr '\n' ' '))" [ -z "$(find "$D" ! -type d)" ]
finish
