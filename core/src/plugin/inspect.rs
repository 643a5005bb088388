//! Checks a plugin file before anything loads it, so the common mistakes
//! (wrong path, a directory, an empty or non-ELF file, an executable) get a
//! message that says what is wrong instead of a raw loader error.

use std::fs::File;
use std::io::{Read, Seek, SeekFrom};
use std::path::{Path, PathBuf};

/// Why a file cannot be a plugin.
#[derive(Debug, thiserror::Error)]
pub enum InspectError {
    #[error("{path}: no such file; give the path of a plugin (.so), for example plugins/simul.so")]
    Missing { path: PathBuf },
    #[error("{path}: is a directory, not a plugin; give the path of a .so file")]
    Directory { path: PathBuf },
    #[error("{path}: cannot read it: {cause}")]
    Unreadable { path: PathBuf, cause: std::io::Error },
    #[error("{path}: the file is empty, not a shared library; rebuild the plugin")]
    Empty { path: PathBuf },
    #[error(
        "{path}: not a shared library (no ELF header); a plugin is a .so built as a cdylib or with -shared"
    )]
    NotElf { path: PathBuf },
    #[error(
        "{path}: a 32-bit or foreign ELF file; this proftui loads 64-bit little-endian x86_64/aarch64 libraries"
    )]
    WrongClass { path: PathBuf },
    #[error(
        "{path}: an executable, not a shared library; build the plugin as a cdylib (Rust) or with -shared -fPIC (C)"
    )]
    Executable { path: PathBuf },
    #[error("{path}: an ELF file of type {elf_type}, not a shared library")]
    NotShared { path: PathBuf, elf_type: u16 },
}

const ELF_MAGIC: [u8; 4] = *b"\x7fELF";
const ELFCLASS64: u8 = 2;
const ELFDATA2LSB: u8 = 1;
const ET_EXEC: u16 = 2;
const ET_DYN: u16 = 3;
const PT_INTERP: u32 = 3;
const DF_1_PIE: u64 = 0x0800_0000;
const PT_DYNAMIC: u32 = 2;
const DT_FLAGS_1: u64 = 0x6fff_fffb;
const DT_SONAME: u64 = 14;

/// Checks that `path` is a readable 64-bit ELF shared library.
///
/// A position-independent executable is also `ET_DYN`; it is told apart by
/// the `DF_1_PIE` flag in its dynamic section (or, for old linkers, by an
/// interpreter and no `DT_FLAGS_1`).
pub fn inspect_file(path: &Path) -> Result<(), InspectError> {
    let owned = || path.to_path_buf();
    let meta = std::fs::metadata(path).map_err(|source| match source.kind() {
        std::io::ErrorKind::NotFound => InspectError::Missing { path: owned() },
        _ => InspectError::Unreadable { path: owned(), cause: source },
    })?;
    if meta.is_dir() {
        return Err(InspectError::Directory { path: owned() });
    }
    if meta.len() == 0 {
        return Err(InspectError::Empty { path: owned() });
    }
    let unreadable = |cause| InspectError::Unreadable { path: owned(), cause };
    let mut file = File::open(path).map_err(unreadable)?;
    let mut bytes = Vec::new();
    (&mut file).take(64 * 1024).read_to_end(&mut bytes).map_err(unreadable)?;
    if bytes.len() < 64 || bytes[..4] != ELF_MAGIC {
        return Err(InspectError::NotElf { path: owned() });
    }
    if bytes[4] != ELFCLASS64 || bytes[5] != ELFDATA2LSB {
        return Err(InspectError::WrongClass { path: owned() });
    }
    match u16_at(&bytes, 16) {
        Some(ET_DYN) if is_pie_executable(&bytes, &mut file) => {
            Err(InspectError::Executable { path: owned() })
        }
        Some(ET_DYN) => Ok(()),
        Some(ET_EXEC) => Err(InspectError::Executable { path: owned() }),
        other => Err(InspectError::NotShared { path: owned(), elf_type: other.unwrap_or(0) }),
    }
}

fn u16_at(b: &[u8], at: usize) -> Option<u16> {
    Some(u16::from_le_bytes(b.get(at..at + 2)?.try_into().ok()?))
}

fn u32_at(b: &[u8], at: usize) -> Option<u32> {
    Some(u32::from_le_bytes(b.get(at..at + 4)?.try_into().ok()?))
}

fn u64_at(b: &[u8], at: usize) -> Option<u64> {
    Some(u64::from_le_bytes(b.get(at..at + 8)?.try_into().ok()?))
}

/// Program headers as (type, file offset, file size).
fn program_headers(b: &[u8]) -> Vec<(u32, usize, usize)> {
    let (Some(phoff), Some(entsize), Some(count)) = (u64_at(b, 32), u16_at(b, 54), u16_at(b, 56)) else {
        return Vec::new();
    };
    (0..usize::from(count))
        .filter_map(|i| {
            let at = usize::try_from(phoff).ok()? + i * usize::from(entsize);
            let offset = usize::try_from(u64_at(b, at + 8)?).ok()?;
            let size = usize::try_from(u64_at(b, at + 32)?).ok()?;
            Some((u32_at(b, at)?, offset, size))
        })
        .collect()
}

/// The bytes of the dynamic segment, wherever it lies in the file.
fn dynamic_segment(file: &mut File, offset: usize, size: usize) -> Vec<u8> {
    let mut bytes = Vec::new();
    let read = file
        .seek(SeekFrom::Start(offset as u64))
        .and_then(|_| file.take(size.min(1 << 20) as u64).read_to_end(&mut bytes));
    if read.is_err() {
        bytes.clear();
    }
    bytes
}

fn is_pie_executable(b: &[u8], file: &mut File) -> bool {
    let headers = program_headers(b);
    let has_interp = headers.iter().any(|(kind, ..)| *kind == PT_INTERP);
    let dynamic: Vec<(u64, u64)> = headers
        .iter()
        .find(|(kind, ..)| *kind == PT_DYNAMIC)
        .map(|&(_, offset, size)| {
            let segment = dynamic_segment(file, offset, size);
            (0..segment.len())
                .step_by(16)
                .map_while(|at| Some((u64_at(&segment, at)?, u64_at(&segment, at + 8)?)))
                .take_while(|(tag, _)| *tag != 0)
                .collect()
        })
        .unwrap_or_default();
    let flags_1 = dynamic.iter().find(|(tag, _)| *tag == DT_FLAGS_1).map(|(_, value)| *value);
    let has_soname = dynamic.iter().any(|(tag, _)| *tag == DT_SONAME);
    match flags_1 {
        Some(flags) => flags & DF_1_PIE != 0,
        // Old linkers: an interpreter makes an executable, unless it also
        // has a soname (libc.so.6 is both).
        None => has_interp && !has_soname,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn refuses_what_is_not_a_library() {
        let dir = tempfile::tempdir().unwrap();
        let missing = dir.path().join("nope.so");
        assert!(matches!(inspect_file(&missing), Err(InspectError::Missing { .. })));
        assert!(matches!(inspect_file(dir.path()), Err(InspectError::Directory { .. })));
        let empty = dir.path().join("empty.so");
        std::fs::write(&empty, b"").unwrap();
        assert!(matches!(inspect_file(&empty), Err(InspectError::Empty { .. })));
        let text = dir.path().join("text.so");
        std::fs::write(&text, "just some text that is long enough to have sixty-four bytes in it....")
            .unwrap();
        assert!(matches!(inspect_file(&text), Err(InspectError::NotElf { .. })));
    }

    #[test]
    fn refuses_a_pie_executable() {
        let exe = std::env::current_exe().unwrap();
        assert!(matches!(inspect_file(&exe), Err(InspectError::Executable { .. })));
    }

    #[test]
    fn accepts_libc_which_has_an_interpreter_and_a_soname() {
        let maps = std::fs::read_to_string("/proc/self/maps").unwrap();
        let libc = maps
            .lines()
            .filter_map(|line| line.split_whitespace().nth(5))
            .find(|path| path.ends_with("/libc.so.6"))
            .expect("the test process links libc");
        assert!(inspect_file(Path::new(libc)).is_ok(), "{libc} is a shared library");
    }
}
