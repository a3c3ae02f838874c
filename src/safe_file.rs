//! Reading local files that someone else may have put there, or that may
//! not be files at all: a progress file in a shared state folder, a
//! learner's hand-in, an instructor's pack, a paste on stdin.
//!
//! Every read here is bounded and cannot block:
//! - opened with `O_NONBLOCK`, so a FIFO planted under the name opens at
//!   once (a plain `open` waits for a writer forever), and then refused
//!   because it is not a regular file, like a device (`/dev/zero`) or a
//!   folder: only `is_file()` is read;
//! - with [`Follow::No`] (files in the state folder, where a planted
//!   symlink could point anywhere) also `O_NOFOLLOW`: a symlink is refused;
//! - at most `cap` bytes: one byte past it and the read stops with
//!   [`io::ErrorKind::FileTooLarge`], whatever the size on disk claims.
//!
//! Errors are `io::Error`s whose text is one translated phrase, to put in
//! a sentence that names the file.

use crate::t;
use std::fs::{File, OpenOptions};
use std::io::{self, Read};
use std::os::unix::fs::OpenOptionsExt;
use std::path::Path;

/// Whether a symlink at the path itself is followed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Follow {
    /// A name the user typed (a hand-in, a pack folder): a symlink is fine,
    /// what it points at must still be a regular file.
    Yes,
    /// A name in the state folder: a symlink there was planted.
    No,
}

/// 1 MiB, for caps.
pub(crate) const MB: u64 = 1024 * 1024;

/// Open `path` for reading without blocking and without following a
/// symlink (with [`Follow::No`]); Err unless it is a regular file.
pub(crate) fn open(path: &Path, follow: Follow) -> io::Result<File> {
    open_with(path, follow, OpenOptions::new().read(true))
}

/// Like [`open`] with the caller's options (write, create, mode): the
/// flags that keep a planted name harmless are added.
pub(crate) fn open_with(path: &Path, follow: Follow, options: &OpenOptions) -> io::Result<File> {
    let mut flags = rustix::fs::OFlags::NONBLOCK | rustix::fs::OFlags::CLOEXEC;
    if follow == Follow::No {
        flags |= rustix::fs::OFlags::NOFOLLOW;
    }
    let file = options
        .clone()
        .custom_flags(flags.bits().cast_signed())
        .open(path)
        .map_err(|e| {
            if e.raw_os_error() == Some(rustix::io::Errno::LOOP.raw_os_error()) {
                io::Error::new(io::ErrorKind::InvalidInput, t!("file-is-symlink"))
            } else {
                e
            }
        })?;
    if !file.metadata()?.is_file() {
        return Err(io::Error::new(
            io::ErrorKind::InvalidInput,
            t!("file-not-regular"),
        ));
    }
    Ok(file)
}

/// The whole of `path`, at most `cap` bytes (see the module docs).
pub(crate) fn read(path: &Path, follow: Follow, cap: u64) -> io::Result<Vec<u8>> {
    let file = open(path, follow)?;
    read_capped(file, cap)
}

/// `read` as UTF-8 (invalid UTF-8 is an error, as with `read_to_string`).
pub(crate) fn read_to_string(path: &Path, follow: Follow, cap: u64) -> io::Result<String> {
    String::from_utf8(read(path, follow, cap)?)
        .map_err(|e| io::Error::new(io::ErrorKind::InvalidData, e))
}

/// All of `reader`, or `FileTooLarge` once it passes `cap` bytes.
pub(crate) fn read_capped(reader: impl Read, cap: u64) -> io::Result<Vec<u8>> {
    let mut bytes = Vec::new();
    reader.take(cap + 1).read_to_end(&mut bytes)?;
    if bytes.len() as u64 > cap {
        return Err(too_large(cap));
    }
    Ok(bytes)
}

/// The error of a file over its cap.
pub(crate) fn too_large(cap: u64) -> io::Error {
    io::Error::new(
        io::ErrorKind::FileTooLarge,
        t!("file-too-large", mb = cap.div_ceil(MB)),
    )
}

/// The last `keep` bytes of `reader` (all of it if shorter) and whether
/// the start was left out, read in chunks so that memory stays near
/// `2 × keep` however much comes; the cut is moved forward to the next
/// line start when there is one, so the text begins with a whole line.
/// Pasted text: the end of an error (the last lines of a traceback) is
/// what names it.
pub(crate) fn read_tail(mut reader: impl Read, keep: usize) -> io::Result<(Vec<u8>, bool)> {
    let mut buf: Vec<u8> = Vec::new();
    let mut chunk = vec![0u8; 64 * 1024];
    let mut cut = false;
    loop {
        let n = match reader.read(&mut chunk) {
            Ok(0) => break,
            Ok(n) => n,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
            Err(e) => return Err(e),
        };
        buf.extend_from_slice(&chunk[..n]);
        if buf.len() > 2 * keep {
            buf.drain(..buf.len() - keep);
            cut = true;
        }
    }
    if buf.len() > keep {
        buf.drain(..buf.len() - keep);
        cut = true;
    }
    if cut {
        if let Some(i) = buf.iter().position(|&b| b == b'\n') {
            if i + 1 < buf.len() {
                buf.drain(..=i);
            }
        }
    }
    Ok((buf, cut))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn caps_and_types() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("f");
        std::fs::write(&file, b"0123456789").unwrap();
        assert_eq!(read(&file, Follow::No, 10).unwrap(), b"0123456789");
        let e = read(&file, Follow::No, 9).unwrap_err();
        assert_eq!(e.kind(), io::ErrorKind::FileTooLarge);
        // A folder and a device are not regular files.
        assert!(read(dir.path(), Follow::Yes, 10).is_err());
        let e = read(Path::new("/dev/zero"), Follow::Yes, 10).unwrap_err();
        assert_eq!(e.kind(), io::ErrorKind::InvalidInput);
        // A symlink is followed only when asked.
        let link = dir.path().join("link");
        std::os::unix::fs::symlink(&file, &link).unwrap();
        assert_eq!(read(&link, Follow::Yes, 10).unwrap(), b"0123456789");
        let e = read(&link, Follow::No, 10).unwrap_err();
        assert_eq!(e.kind(), io::ErrorKind::InvalidInput);
        assert_eq!(e.to_string(), t!("file-is-symlink"));
        // Missing stays NotFound, for callers that treat it as "none yet".
        let e = read(&dir.path().join("none"), Follow::No, 10).unwrap_err();
        assert_eq!(e.kind(), io::ErrorKind::NotFound);
    }

    #[test]
    fn tails() {
        let text = b"one\ntwo\nthree\nfour\n";
        assert_eq!(read_tail(&text[..], 100).unwrap(), (text.to_vec(), false));
        // The last 9 bytes are "ee\nfour\n": the cut moves to "four\n".
        assert_eq!(read_tail(&text[..], 9).unwrap(), (b"four\n".to_vec(), true));
        // A long input in small reads keeps its end, and memory bounded.
        let big: Vec<u8> = (0..1_000_000u32)
            .flat_map(|i| format!("line {i}\n").into_bytes())
            .collect();
        let (tail, cut) = read_tail(&big[..], 1000).unwrap();
        assert!(cut);
        assert!(tail.len() <= 1000);
        assert!(tail.ends_with(b"line 999999\n"));
        assert!(tail.starts_with(b"line "));
    }
}
