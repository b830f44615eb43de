"""The sandbox's /etc copy: only the listed files, never private keys, refreshed on change."""

from __future__ import annotations

import os
from pathlib import Path

from hushflow.tasks.sandbox_etc import etc_folder


def test_the_copy_holds_the_listed_files_and_no_private_keys(tmp_path: Path) -> None:
    source = tmp_path / "etc"
    (source / "ssl" / "private").mkdir(parents=True)
    (source / "ssl" / "private" / "server.key").write_text("private")
    (source / "ssl" / "certs").mkdir()
    (source / "ssl" / "certs" / "ca.pem").write_text("public")
    (source / "hosts").write_text("127.0.0.1 localhost\n")
    (source / "shadow").write_text("root:hash")
    copy = etc_folder(source)
    assert (copy / "hosts").read_text() == "127.0.0.1 localhost\n"
    assert (copy / "ssl" / "certs" / "ca.pem").read_text() == "public"
    assert not (copy / "ssl" / "private").exists()
    assert not (copy / "shadow").exists()
    assert etc_folder(source) == copy  # unchanged: the same copy


def test_a_changed_file_makes_a_new_copy(tmp_path: Path) -> None:
    source = tmp_path / "etc"
    source.mkdir()
    (source / "resolv.conf").write_text("nameserver 10.0.0.1\n")
    first = etc_folder(source)
    (source / "resolv.conf").write_text("nameserver 10.0.0.2\n")
    stat = (source / "resolv.conf").stat()
    os.utime(source / "resolv.conf", ns=(stat.st_atime_ns, stat.st_mtime_ns + 10**9))
    second = etc_folder(source)
    assert second != first
    assert (second / "resolv.conf").read_text() == "nameserver 10.0.0.2\n"
