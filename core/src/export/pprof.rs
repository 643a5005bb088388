//! pprof's profile.proto, gzipped, for `go tool pprof` and the tools that
//! read it.
//!
//! One location per (function, line) of the calling-context tree, so every
//! line of a function keeps its own figures: the sampled line of a leaf and
//! the call site of a caller alike, inline frames included (the report
//! holds them as frames of their own). Locations carry no addresses: the
//! report has none, and the one mapping says that functions, files, lines
//! and inline frames are already resolved, so no consumer tries to
//! symbolise.
//!
//! Sample types, every figure a total over all runs of its pass (pprof's
//! convention; the profile's comments say how many runs):
//!
//! - with a cpu pass, `samples/count` and `cpu/nanoseconds`: one pprof
//!   sample per (leaf node, thread), its count the weights of the report's
//!   samples there summed (1 each when recorded), its cpu value that count
//!   times the period, the CPU nanoseconds one sample stands for
//!   ([`CpuProfile::seconds_per_sample`], rounded to a nanosecond);
//! - with a cpu pass imported from another tool's file, one type named
//!   after the imported event (`samples/count`, `Ir/count`), the weights
//!   summed and no `cpu/nanoseconds`: an imported event is not a time
//!   (the period is 1 of the event);
//! - with a heap pass, `alloc_objects/count` and `alloc_space/bytes`
//!   (allocated) and `inuse_objects/count` and `inuse_space/bytes` (still
//!   live when the run ended, Go's meaning of "in use" at the end of a
//!   profile): one pprof sample per allocation site.
//!
//! A cpu sample is 0 in the heap types and a heap sample 0 in the cpu
//! types. The default sample type is `cpu` when there is a cpu pass,
//! `alloc_space` otherwise. Cpu samples carry a `thread` label with the
//! thread's name; heap sites have no thread.

use super::ExportError;
use crate::report::{CpuProfile, FunctionId, HeapProfile, NodeId, PassKind, ROOT, Report};
use std::collections::HashMap;
use std::io::Write;

const FORMAT: &str = "pprof";

/// Writes `report` as a gzipped profile.proto. Needs a cpu or a heap pass.
pub fn write(report: &Report, out: &mut dyn Write) -> Result<(), ExportError> {
    if report.cpu.is_none() && report.heap.is_none() {
        return Err(ExportError::MissingPass { format: FORMAT, pass: "cpu" });
    }
    let profile = Builder::new(report).build();
    let mut gzip = flate2::write::GzEncoder::new(out, flate2::Compression::default());
    let written = gzip.write_all(&prost::Message::encode_to_vec(&profile)).and_then(|()| gzip.finish());
    written.map(drop).map_err(|cause| ExportError::Write { format: FORMAT, cause })
}

/// Nanoseconds one cpu sample stands for, rounded: the profile's period.
pub fn period_ns(cpu: &CpuProfile) -> i64 {
    (cpu.seconds_per_sample() * 1e9).round() as i64
}

/// The messages of profile.proto this export writes (field numbers as in
/// google/pprof's `proto/profile.proto`).
mod proto {
    #[derive(Clone, PartialEq, prost::Message)]
    pub struct Profile {
        #[prost(message, repeated, tag = "1")]
        pub sample_type: Vec<ValueType>,
        #[prost(message, repeated, tag = "2")]
        pub sample: Vec<Sample>,
        #[prost(message, repeated, tag = "3")]
        pub mapping: Vec<Mapping>,
        #[prost(message, repeated, tag = "4")]
        pub location: Vec<Location>,
        #[prost(message, repeated, tag = "5")]
        pub function: Vec<Function>,
        #[prost(string, repeated, tag = "6")]
        pub string_table: Vec<String>,
        #[prost(int64, tag = "9")]
        pub time_nanos: i64,
        #[prost(int64, tag = "10")]
        pub duration_nanos: i64,
        #[prost(message, optional, tag = "11")]
        pub period_type: Option<ValueType>,
        #[prost(int64, tag = "12")]
        pub period: i64,
        #[prost(int64, repeated, tag = "13")]
        pub comment: Vec<i64>,
        #[prost(int64, tag = "14")]
        pub default_sample_type: i64,
    }

    #[derive(Clone, Copy, PartialEq, prost::Message)]
    pub struct ValueType {
        #[prost(int64, tag = "1")]
        pub r#type: i64,
        #[prost(int64, tag = "2")]
        pub unit: i64,
    }

    #[derive(Clone, PartialEq, prost::Message)]
    pub struct Sample {
        /// Leaf first.
        #[prost(uint64, repeated, tag = "1")]
        pub location_id: Vec<u64>,
        #[prost(int64, repeated, tag = "2")]
        pub value: Vec<i64>,
        #[prost(message, repeated, tag = "3")]
        pub label: Vec<Label>,
    }

    #[derive(Clone, Copy, PartialEq, prost::Message)]
    pub struct Label {
        #[prost(int64, tag = "1")]
        pub key: i64,
        #[prost(int64, tag = "2")]
        pub str: i64,
    }

    #[derive(Clone, Copy, PartialEq, prost::Message)]
    pub struct Mapping {
        #[prost(uint64, tag = "1")]
        pub id: u64,
        #[prost(int64, tag = "5")]
        pub filename: i64,
        #[prost(bool, tag = "7")]
        pub has_functions: bool,
        #[prost(bool, tag = "8")]
        pub has_filenames: bool,
        #[prost(bool, tag = "9")]
        pub has_line_numbers: bool,
        #[prost(bool, tag = "10")]
        pub has_inline_frames: bool,
    }

    #[derive(Clone, PartialEq, prost::Message)]
    pub struct Location {
        #[prost(uint64, tag = "1")]
        pub id: u64,
        #[prost(uint64, tag = "2")]
        pub mapping_id: u64,
        #[prost(message, repeated, tag = "4")]
        pub line: Vec<Line>,
    }

    #[derive(Clone, Copy, PartialEq, prost::Message)]
    pub struct Line {
        #[prost(uint64, tag = "1")]
        pub function_id: u64,
        #[prost(int64, tag = "2")]
        pub line: i64,
    }

    #[derive(Clone, Copy, PartialEq, prost::Message)]
    pub struct Function {
        #[prost(uint64, tag = "1")]
        pub id: u64,
        #[prost(int64, tag = "2")]
        pub name: i64,
        #[prost(int64, tag = "3")]
        pub system_name: i64,
        #[prost(int64, tag = "4")]
        pub filename: i64,
        #[prost(int64, tag = "5")]
        pub start_line: i64,
    }
}

/// The one mapping's id.
const MAPPING_ID: u64 = 1;

/// Interns strings, locations and functions while samples are added.
struct Builder<'a> {
    report: &'a Report,
    profile: proto::Profile,
    strings: HashMap<String, i64>,
    /// Location id of each (function, line).
    locations: HashMap<(FunctionId, u32), u64>,
    /// Function id (report id + 1) of each function already in the table.
    functions: HashMap<FunctionId, u64>,
    /// Location ids of each node's stack, leaf first, once computed.
    stacks: HashMap<NodeId, Vec<u64>>,
}

impl<'a> Builder<'a> {
    fn new(report: &'a Report) -> Self {
        let mut builder = Self {
            report,
            profile: proto::Profile::default(),
            strings: HashMap::new(),
            locations: HashMap::new(),
            functions: HashMap::new(),
            stacks: HashMap::new(),
        };
        builder.string("");
        builder
    }

    fn string(&mut self, text: &str) -> i64 {
        if let Some(&index) = self.strings.get(text) {
            return index;
        }
        let index = self.profile.string_table.len() as i64;
        self.profile.string_table.push(text.to_string());
        self.strings.insert(text.to_string(), index);
        index
    }

    fn value_type(&mut self, kind: &str, unit: &str) -> proto::ValueType {
        proto::ValueType { r#type: self.string(kind), unit: self.string(unit) }
    }

    fn function(&mut self, function: FunctionId) -> u64 {
        if let Some(&id) = self.functions.get(&function) {
            return id;
        }
        let id = u64::from(function) + 1;
        let info = &self.report.functions[function as usize];
        let name = self.string(&info.name);
        let filename = self.string(info.file.as_deref().unwrap_or(""));
        self.profile.function.push(proto::Function {
            id,
            name,
            // The report keeps demangled names only.
            system_name: name,
            filename,
            start_line: i64::from(info.line.unwrap_or(0)),
        });
        self.functions.insert(function, id);
        id
    }

    fn location(&mut self, node: NodeId) -> u64 {
        let node = self.report.nodes[node as usize];
        if let Some(&id) = self.locations.get(&(node.function, node.line)) {
            return id;
        }
        let function_id = self.function(node.function);
        let id = self.profile.location.len() as u64 + 1;
        self.profile.location.push(proto::Location {
            id,
            mapping_id: MAPPING_ID,
            line: vec![proto::Line { function_id, line: i64::from(node.line) }],
        });
        self.locations.insert((node.function, node.line), id);
        id
    }

    /// Location ids from `node` (the leaf) up to the root's child.
    fn stack(&mut self, node: NodeId) -> Vec<u64> {
        if let Some(stack) = self.stacks.get(&node) {
            return stack.clone();
        }
        let mut path = self.report.path(node);
        path.reverse();
        let stack: Vec<u64> = path.into_iter().map(|n| self.location(n)).collect();
        self.stacks.insert(node, stack.clone());
        stack
    }

    fn build(mut self) -> proto::Profile {
        let report = self.report;
        let has_cpu = report.cpu.is_some();
        let has_heap = report.heap.is_some();
        let event = report.import.as_ref().map(|i| i.event.as_str());
        let mut types = Vec::new();
        if has_cpu {
            types.push(self.value_type(event.unwrap_or("samples"), "count"));
            if event.is_none() {
                types.push(self.value_type("cpu", "nanoseconds"));
            }
        }
        let cpu_width = types.len();
        if has_heap {
            types.push(self.value_type("alloc_objects", "count"));
            types.push(self.value_type("alloc_space", "bytes"));
            types.push(self.value_type("inuse_objects", "count"));
            types.push(self.value_type("inuse_space", "bytes"));
        }
        let width = types.len();
        self.profile.sample_type = types;
        let default = match (has_cpu, event) {
            (true, Some(event)) => event,
            (true, None) => "cpu",
            (false, _) => "alloc_space",
        };
        self.profile.default_sample_type = self.string(default);
        let plugin = self.string(&report.run.plugin_path);
        self.profile.mapping.push(proto::Mapping {
            id: MAPPING_ID,
            filename: plugin,
            has_functions: true,
            has_filenames: true,
            has_line_numbers: true,
            has_inline_frames: true,
        });
        self.profile.time_nanos = (report.run.recorded_at_unix_s as i64).saturating_mul(1_000_000_000);
        let title = format!("proftui: {} {} {}", report.run.plugin, report.run.workload, report.run.variant);
        let title = self.string(title.trim_end());
        self.profile.comment.push(title);
        if let Some(cpu) = &report.cpu {
            match event {
                Some(event) => self.add_imported_cpu(cpu, event, width),
                None => self.add_cpu(cpu, width),
            }
        }
        if let Some(heap) = &report.heap {
            self.add_heap(heap, width, cpu_width);
        }
        self.profile
    }

    fn add_cpu(&mut self, cpu: &CpuProfile, width: usize) {
        let period = period_ns(cpu);
        self.profile.period_type = Some(self.value_type("cpu", "nanoseconds"));
        self.profile.period = period;
        self.profile.duration_nanos = (cpu.wall_s * 1e9).round() as i64;
        let note = format!(
            "cpu: {} samples, {period} ns each, totals over {} runs at {:.1} Hz achieved",
            cpu.total_weight(),
            cpu.repeats,
            cpu.achieved_hz
        );
        let note = self.string(&note);
        self.profile.comment.push(note);
        self.add_samples(cpu, width, |count| vec![count, count.saturating_mul(period)]);
    }

    /// An imported cpu pass: its weights count `event`, one type of its own.
    fn add_imported_cpu(&mut self, cpu: &CpuProfile, event: &str, width: usize) {
        self.profile.period_type = Some(self.value_type(event, "count"));
        self.profile.period = 1;
        let note = format!("{event}: {} in all, imported", cpu.total_weight());
        let note = self.string(&note);
        self.profile.comment.push(note);
        self.add_samples(cpu, width, |count| vec![count]);
    }

    /// Samples of one leaf on one thread become one pprof sample, in the
    /// order they first occur, its count their weights summed; `values`
    /// turns the count into the cpu types' values.
    fn add_samples(&mut self, cpu: &CpuProfile, width: usize, values: impl Fn(i64) -> Vec<i64>) {
        let mut order: Vec<(NodeId, u32)> = Vec::new();
        let mut counts: HashMap<(NodeId, u32), i64> = HashMap::new();
        for sample in &cpu.samples {
            let count = counts.entry((sample.node, sample.thread)).or_insert_with(|| {
                order.push((sample.node, sample.thread));
                0
            });
            *count = count.saturating_add(i64::try_from(sample.weight).unwrap_or(i64::MAX));
        }
        let key = self.string("thread");
        for (node, thread) in order {
            let cpu_values = values(counts[&(node, thread)]);
            let mut value = vec![0; width];
            value[..cpu_values.len()].copy_from_slice(&cpu_values);
            let name = self.thread_name(thread);
            let label = proto::Label { key, str: self.string(&name) };
            let location_id = self.stack(node);
            self.profile.sample.push(proto::Sample { location_id, value, label: vec![label] });
        }
    }

    /// A thread's name, or its OS id when it has none.
    fn thread_name(&self, thread: u32) -> String {
        match self.report.threads.get(thread as usize) {
            Some(info) if !info.name.is_empty() => info.name.clone(),
            Some(info) => info.os_id.to_string(),
            None => thread.to_string(),
        }
    }

    fn add_heap(&mut self, heap: &HeapProfile, width: usize, first: usize) {
        let repeats =
            self.report.run.passes.iter().find(|p| p.kind == PassKind::Heap).map_or(1, |p| p.repeats);
        let note = format!(
            "heap: {} bytes in {} blocks allocated, totals over {repeats} runs; in use: live at the end",
            heap.total_bytes, heap.total_blocks
        );
        let note = self.string(&note);
        self.profile.comment.push(note);
        for site in &heap.sites {
            let mut value = vec![0; width];
            value[first] = site.total_blocks as i64;
            value[first + 1] = site.total_bytes as i64;
            value[first + 2] = site.blocks_at_end as i64;
            value[first + 3] = site.bytes_at_end as i64;
            let location_id = if site.node == ROOT { Vec::new() } else { self.stack(site.node) };
            self.profile.sample.push(proto::Sample { location_id, value, label: Vec::new() });
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::report::Sample;
    use crate::report::build::ReportBuilder;
    use prost::Message;
    use std::io::Read;

    fn decode(bytes: &[u8]) -> proto::Profile {
        let mut raw = Vec::new();
        flate2::read::GzDecoder::new(bytes).read_to_end(&mut raw).expect("gzip");
        proto::Profile::decode(raw.as_slice()).expect("profile.proto")
    }

    /// f calls g from line 10; g is sampled at lines 20 (once) and 21
    /// (three times), 4 ms a sample: two locations of g with their own
    /// counts.
    fn two_lines() -> Report {
        let mut b = ReportBuilder::new(crate::report::build::tests::run_info());
        let f = b.function("f", Some("a.rs"), Some(9));
        let g = b.function("g", Some("a.rs"), Some(19));
        let thread = b.thread(PassKind::Cpu, 7, "main");
        let call = b.node(ROOT, f, 10);
        let (at_20, at_21) = (b.node(call, g, 20), b.node(call, g, 21));
        b.set_cpu(CpuProfile {
            clock: crate::collect::cpu::SampleClock::ItimerProf,
            unsampled_s: None,
            requested_hz: 250.0,
            achieved_hz: 250.0,
            cpu_s: 0.016,
            wall_s: 0.016,
            wait_s: None,
            repeats: 1,
            dropped: 0,
            samples: [at_20, at_21, at_21, at_21]
                .map(|node| Sample { node, thread, time_ns: 0, weight: 1 })
                .to_vec(),
            rounds: Vec::new(),
        });
        b.finish()
    }

    #[test]
    fn two_lines_of_a_function_are_two_locations_with_their_own_counts() {
        let mut bytes = Vec::new();
        write(&two_lines(), &mut bytes).expect("export");
        let profile = decode(&bytes);
        let text = |i: i64| profile.string_table[i as usize].as_str();
        assert_eq!(profile.period, 4_000_000);
        // (function, line) of each frame, leaf first, and the values.
        type Stack = Vec<(String, i64)>;
        let mut got: Vec<(Stack, Vec<i64>)> = profile
            .sample
            .iter()
            .map(|s| {
                let frames = s
                    .location_id
                    .iter()
                    .map(|&id| {
                        let line = profile.location[id as usize - 1].line[0];
                        let function =
                            profile.function.iter().find(|f| f.id == line.function_id).expect("fn");
                        (text(function.name).to_string(), line.line)
                    })
                    .collect();
                (frames, s.value.clone())
            })
            .collect();
        got.sort();
        let g = |line| vec![("g".to_string(), line), ("f".to_string(), 10)];
        assert_eq!(got, vec![(g(20), vec![1, 4_000_000]), (g(21), vec![3, 12_000_000])]);
        assert_eq!(profile.location.len(), 3);
        let label = profile.sample[0].label[0];
        assert_eq!((text(label.key), text(label.str)), ("thread", "main"));
    }
}
