//! `proftui load plugins/simul.so` on a fresh clone: when the named file is
//! missing but the plugin's crate sits beside it (`plugins/simul/`), build
//! it with cargo and use the library cargo produced.
//!
//! The file itself is never created: cargo's output stays in `target/`, and
//! every use rebuilds what changed (a no-op build takes a fraction of a
//! second), so a stale copy can never be loaded by accident.

use std::io::BufRead;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

/// Why a missing plugin could not be built.
#[derive(Debug, thiserror::Error)]
pub enum BuildError {
    #[error("{path}: missing, and building it from {crate_dir} failed: could not start cargo: {cause}")]
    NoCargo { path: PathBuf, crate_dir: PathBuf, cause: std::io::Error },
    #[error("{path}: missing, and building it from {crate_dir} failed (cargo's messages are above)")]
    Failed { path: PathBuf, crate_dir: PathBuf },
    #[error("{path}: missing, and building {crate_dir} produced no shared library; is it a cdylib crate?")]
    NoLibrary { path: PathBuf, crate_dir: PathBuf },
}

/// The crate a missing `DIR/NAME.so` would be built from: `DIR/NAME/Cargo.toml`.
fn crate_for(path: &Path) -> Option<PathBuf> {
    if path.extension()? != "so" {
        return None;
    }
    let stem = path.file_stem()?;
    let dir = path.parent().filter(|d| !d.as_os_str().is_empty()).unwrap_or(Path::new("."));
    let crate_dir = dir.join(stem);
    crate_dir.join("Cargo.toml").is_file().then_some(crate_dir)
}

/// Returns `path` if it exists; if it does not and the plugin's crate sits
/// beside it, builds the crate in release mode (cargo's progress goes to
/// this process' stderr) and returns the library cargo made. `announce` is
/// told what is about to be built. Otherwise returns `path` unchanged, and
/// the loader reports it missing.
pub fn resolve_plugin_path(path: &Path, announce: impl FnOnce(&Path)) -> Result<PathBuf, BuildError> {
    if path.exists() {
        return Ok(path.to_path_buf());
    }
    let Some(crate_dir) = crate_for(path) else { return Ok(path.to_path_buf()) };
    announce(&crate_dir);
    let cargo = std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into());
    let mut child = Command::new(cargo)
        .args(["build", "--release", "--lib", "--message-format=json-render-diagnostics", "--manifest-path"])
        .arg(crate_dir.join("Cargo.toml"))
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit())
        .spawn()
        .map_err(|cause| BuildError::NoCargo {
            path: path.to_path_buf(),
            crate_dir: crate_dir.clone(),
            cause,
        })?;
    let mut library = None;
    if let Some(stdout) = child.stdout.take() {
        for line in std::io::BufReader::new(stdout).lines().map_while(Result::ok) {
            library = cdylib_of(&line).or(library);
        }
    }
    let built = child.wait().is_ok_and(|status| status.success());
    match (built, library) {
        (false, _) => Err(BuildError::Failed { path: path.to_path_buf(), crate_dir }),
        (true, None) => Err(BuildError::NoLibrary { path: path.to_path_buf(), crate_dir }),
        (true, Some(library)) => Ok(library),
    }
}

/// The `.so` named by one of cargo's `compiler-artifact` JSON messages.
fn cdylib_of(message: &str) -> Option<PathBuf> {
    let value: serde_json::Value = serde_json::from_str(message).ok()?;
    if value.get("reason")?.as_str()? != "compiler-artifact" {
        return None;
    }
    value
        .get("filenames")?
        .as_array()?
        .iter()
        .filter_map(|f| f.as_str())
        .find(|f| f.ends_with(".so"))
        .map(PathBuf::from)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_the_crate_beside_a_missing_library() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::create_dir(dir.path().join("demo")).unwrap();
        std::fs::write(dir.path().join("demo/Cargo.toml"), "").unwrap();
        assert_eq!(crate_for(&dir.path().join("demo.so")), Some(dir.path().join("demo")));
        assert_eq!(crate_for(&dir.path().join("other.so")), None);
        assert_eq!(crate_for(&dir.path().join("demo.txt")), None);
    }

    #[test]
    fn reads_the_library_from_cargo_messages() {
        let artifact = r#"{"reason":"compiler-artifact","filenames":["/t/release/libdemo.so","/t/release/libdemo.rlib"]}"#;
        assert_eq!(cdylib_of(artifact), Some(PathBuf::from("/t/release/libdemo.so")));
        assert_eq!(cdylib_of(r#"{"reason":"build-finished","success":true}"#), None);
        assert_eq!(cdylib_of("not json"), None);
    }
}
