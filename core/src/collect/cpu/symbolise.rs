//! Turns the handler's addresses into named frames, after the stop: one
//! lookup per distinct address, inline chains expanded, the start-up
//! frames below `main` and a thread's entry trimmed off. Its one `unsafe`
//! call asks the dynamic linker about code the symboliser cannot read.

use super::OWN_PREFIXES;
use super::signal::RawSample;
use crate::collect::Frame;
use std::collections::HashMap;
use std::ffi::c_void;
use std::rc::Rc;

/// Physical frames whose functions start a process or a thread, below the
/// code anyone profiles; stripped from the root end of every stack.
const START_UP: &[&str] = &["_start", "main", "__libc_start_call_main", "clone", "clone3", "start_thread"];
const START_UP_PREFIXES: &[&str] = &["__libc_start_main", "std::rt::lang_start"];

/// The frame std itself cuts short backtraces at: everything rootward of
/// it is the runtime starting a program or a thread.
const SHORT_BACKTRACE_MARK: &str = "::__rust_begin_short_backtrace";

/// Resolves addresses, remembering every answer: deep recursive stacks
/// repeat the same few return addresses thousands of times.
#[derive(Default)]
pub(super) struct Symboliser {
    /// Frames at one code address, outermost inline level first.
    cache: HashMap<usize, Rc<[Frame]>>,
}

impl Symboliser {
    /// The stack of `sample`, root first, or `None` for a sample taken
    /// inside the sampler's own code.
    pub(super) fn stack(&mut self, sample: &RawSample) -> Option<Vec<Frame>> {
        let mut frames = Vec::with_capacity(sample.ips.len() * 2);
        let mut physical_starts = Vec::with_capacity(sample.ips.len());
        // The interrupted frame's address is the instruction that was
        // running; every other one is a return address, whose line is the
        // next statement's: look up the call instruction before it.
        let addresses = sample
            .ips
            .iter()
            .enumerate()
            .map(|(index, &ip)| if index == 0 { ip } else { ip.saturating_sub(1) });
        for address in addresses.rev() {
            physical_starts.push(frames.len());
            frames.extend(self.frames_at(address).iter().cloned());
        }
        // v0 mangling writes an inherent method as `<path::Type>::method`.
        let own = |frame: &Frame| {
            let function = frame.function.trim_start_matches('<');
            OWN_PREFIXES.iter().any(|own| function.starts_with(own))
        };
        if frames.iter().any(own) {
            return None;
        }
        let root_end = start_up_end(&frames, &physical_starts);
        frames.drain(..root_end);
        Some(frames)
    }

    fn frames_at(&mut self, address: usize) -> Rc<[Frame]> {
        self.cache.entry(address).or_insert_with(|| resolve(address)).clone()
    }
}

/// Every frame at `address`: the function it lies in and the functions
/// inlined there, outermost first.
fn resolve(address: usize) -> Rc<[Frame]> {
    let mut frames = Vec::new();
    // `backtrace::resolve` looks up `address - 1`, taking every address for
    // a return address; `address` has been adjusted already.
    backtrace::resolve(address.wrapping_add(1) as *mut c_void, |symbol| {
        let function = match symbol.name() {
            Some(name) => format!("{name:#}"),
            None => unknown_function(address),
        };
        frames.push(Frame {
            function,
            file: symbol.filename().map(|path| path.to_string_lossy().into_owned()),
            line: symbol.lineno(),
        });
    });
    if frames.is_empty() {
        frames.push(Frame { function: unknown_function(address), file: None, line: None });
    }
    // The symboliser reports the innermost inline level first.
    frames.reverse();
    frames.into()
}

/// A name for code the symboliser cannot read, such as the vDSO (where
/// `clock_gettime` runs), which has no file on disk: the dynamic linker's
/// nearest exported symbol, else the object's file name. Never the address:
/// every sample would make a function of its own, and no two runs agree.
fn unknown_function(address: usize) -> String {
    // SAFETY: `Dl_info` is plain data for which all zeros is valid.
    let mut info: libc::Dl_info = unsafe { std::mem::zeroed() };
    // SAFETY: dladdr only reads the loader's tables and writes `info`; any
    // address may be asked about.
    if unsafe { libc::dladdr(address as *const c_void, &mut info) } == 0 {
        return "[unknown]".to_owned();
    }
    let text = |name: *const libc::c_char| {
        // SAFETY: names dladdr returns are null or NUL-terminated strings
        // owned by the loader, which never unloads them (nor anything
        // proftui loads).
        (!name.is_null()).then(|| unsafe { std::ffi::CStr::from_ptr(name) }.to_bytes().to_vec())
    };
    if let Some(symbol) = text(info.dli_sname) {
        return format!("{:#}", backtrace::SymbolName::new(&symbol));
    }
    match text(info.dli_fname) {
        Some(file) => {
            let file = String::from_utf8_lossy(&file).into_owned();
            format!("[{}]", file.rsplit('/').next().unwrap_or(&file))
        }
        None => "[unknown]".to_owned(),
    }
}

/// How many frames at the root end belong to starting the process or the
/// thread. `physical_starts` holds the index of each physical frame's
/// outermost function. The interrupted physical frame always stays, even
/// when it is start-up code itself.
fn start_up_end(frames: &[Frame], physical_starts: &[usize]) -> usize {
    let leaf_start = physical_starts.last().copied().unwrap_or(0);
    // `std::sys::backtrace::__rust_begin_short_backtrace::<F, T>` with
    // generic arguments where the name comes from v0 mangling.
    if let Some(mark) = frames.iter().position(|frame| frame.function.contains(SHORT_BACKTRACE_MARK)) {
        // Then the shims through which std calls `main` or a thread's closure.
        let shims = frames[mark + 1..].iter().take_while(|frame| is_call_once_shim(&frame.function)).count();
        return (mark + 1 + shims).min(leaf_start);
    }
    let mut end = 0;
    for pair in physical_starts.windows(2) {
        let (start, next) = (pair[0], pair[1]);
        let Some(function) = frames.get(start).map(|frame| frame.function.as_str()) else { break };
        let start_up = START_UP.contains(&function)
            || START_UP_PREFIXES.iter().any(|prefix| function.starts_with(prefix));
        if !start_up {
            break;
        }
        end = next;
    }
    end
}

/// `core::ops::function::FnOnce::call_once` and its `{shim:vtable#0}`.
fn is_call_once_shim(function: &str) -> bool {
    function.ends_with("::call_once") || function.contains("::call_once::{shim")
}
