//! The CI gate: conditions on a [`Diff`] such as `incl(evolve) > +10%`,
//! parsed by hand, and checked against the diff.
//!
//! Grammar (spaces anywhere between the parts):
//!
//! ```text
//! condition := metric ('>' | '<') threshold
//! metric    := ('incl' | 'self' | 'calls' | 'bytes' | 'peak') '(' function ')'
//!            | 'total' | 'wall' | 'peak' | 'bytes'
//! threshold := ['+' | '-'] number ['%' | unit]
//! unit      := ns | us | µs | ms | s                  (incl, self, total, wall)
//!            | B | KB | MB | GB | KiB | MiB | GiB      (bytes, peak)
//! ```
//!
//! A condition *holds* when the change compares to the threshold as
//! written: a relative threshold against `new / base − 1`, an absolute one
//! against `new − base`. `total` is the whole run's CPU time per run,
//! `wall` the bare pass's median wall time, `peak` and `bytes` without a
//! function the whole run's peak and allocated bytes.
//!
//! **A change judged noise counts as no change.** `incl(f) > +10%` then
//! does not hold (noise never fails a gate on a regression), and
//! `incl(f) > -10%` (an improvement of at least 10% required) does: noise
//! shows no improvement. Calls and bytes are exact counts and never noise;
//! calls-pass times have no known spread and count as measured.

use super::{Change, Diff, Verdict};
use crate::analysis::{LookupError, find_function};
use crate::report::Report;

/// A condition that cannot be read or checked.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum GateError {
    #[error(
        "bad gate condition `{text}`: {why}; e.g. `incl(evolve) > +10%`, `calls(f) > +1000`, `peak > +1MiB`"
    )]
    Syntax { text: String, why: String },
    /// The lookup error follows as the source (`{:#}` prints both).
    #[error("gate condition `{text}`")]
    Lookup { text: String, source: LookupError },
    #[error("gate condition `{text}`: {why}")]
    NotMeasured { text: String, why: String },
}

/// What a figure is measured in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Unit {
    Seconds,
    Calls,
    Bytes,
}

/// Which figure a condition is about.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Metric {
    Inclusive(String),
    SelfTime(String),
    Calls(String),
    Bytes(Option<String>),
    Peak(Option<String>),
    /// The whole run's CPU time per run.
    Total,
    /// The bare pass's median wall time per run.
    Wall,
}

impl Metric {
    pub fn unit(&self) -> Unit {
        match self {
            Metric::Inclusive(_) | Metric::SelfTime(_) | Metric::Total | Metric::Wall => Unit::Seconds,
            Metric::Calls(_) => Unit::Calls,
            Metric::Bytes(_) | Metric::Peak(_) => Unit::Bytes,
        }
    }

    fn function(&self) -> Option<&str> {
        match self {
            Metric::Inclusive(f) | Metric::SelfTime(f) | Metric::Calls(f) => Some(f),
            Metric::Bytes(f) | Metric::Peak(f) => f.as_deref(),
            Metric::Total | Metric::Wall => None,
        }
    }

    fn with_function(&self, name: String) -> Self {
        match self {
            Metric::Inclusive(_) => Metric::Inclusive(name),
            Metric::SelfTime(_) => Metric::SelfTime(name),
            Metric::Calls(_) => Metric::Calls(name),
            Metric::Bytes(_) => Metric::Bytes(Some(name)),
            Metric::Peak(_) => Metric::Peak(Some(name)),
            other => other.clone(),
        }
    }
}

/// The threshold a change is compared with.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Threshold {
    /// A fraction of the base value: `+10%` is 0.1.
    Relative(f64),
    /// In the metric's unit: seconds, calls or bytes.
    Absolute(f64),
}

/// One parsed condition.
#[derive(Debug, Clone, PartialEq)]
pub struct Condition {
    /// As the user wrote it.
    pub text: String,
    pub metric: Metric,
    /// True for `>`, false for `<`.
    pub above: bool,
    pub threshold: Threshold,
    /// The threshold as written (`+10%`).
    pub threshold_text: String,
}

/// A condition checked against a diff.
#[derive(Debug, Clone, PartialEq)]
pub struct GateResult {
    pub condition: Condition,
    /// The function's name in the diff, when the metric names one.
    pub function: Option<String>,
    pub change: Change,
    /// The change as compared: relative (`+0.234`) or absolute, as the
    /// threshold is; `±inf` for a relative change from zero.
    pub measured: f64,
    /// The change was judged noise and counted as zero.
    pub within_noise: bool,
    /// The condition holds: the gate fails.
    pub fails: bool,
}

/// Parses one condition.
pub fn parse_condition(text: &str) -> Result<Condition, GateError> {
    let bad = |why: &str| GateError::Syntax { text: text.to_string(), why: why.to_string() };
    // The comparison outside any parentheses: names like `<f64>::sqrt` hold `<` and `>`.
    let mut depth = 0i32;
    let at = text
        .char_indices()
        .find(|&(_, c)| {
            depth += i32::from(c == '(') - i32::from(c == ')');
            depth == 0 && (c == '>' || c == '<')
        })
        .map(|(i, _)| i)
        .ok_or_else(|| {
            if text.matches('(').count() > text.matches(')').count() {
                bad("`(` without a closing `)`")
            } else {
                bad("no `>` or `<`")
            }
        })?;
    let above = text[at..].starts_with('>');
    let (left, right) = (text[..at].trim(), text[at + 1..].trim());
    if right.starts_with('=') {
        return Err(bad("`>=` and `<=` are not supported; use `>` or `<`"));
    }
    let metric = parse_metric(left).map_err(|why| bad(&why))?;
    let threshold = parse_threshold(right, metric.unit()).map_err(|why| bad(&why))?;
    Ok(Condition { text: text.to_string(), metric, above, threshold, threshold_text: right.to_string() })
}

fn parse_metric(text: &str) -> Result<Metric, String> {
    let (head, argument) = match text.split_once('(') {
        Some((head, rest)) => {
            let inner = rest.strip_suffix(')').ok_or("`(` without a closing `)`")?.trim();
            if inner.is_empty() {
                return Err(format!("`{}()` names no function", head.trim()));
            }
            (head.trim(), Some(inner.to_string()))
        }
        None => (text, None),
    };
    let needs =
        |argument: Option<String>| argument.ok_or(format!("`{head}` needs a function: `{head}(NAME)`"));
    Ok(match head {
        "incl" | "inclusive" => Metric::Inclusive(needs(argument)?),
        "self" => Metric::SelfTime(needs(argument)?),
        "calls" => Metric::Calls(needs(argument)?),
        "bytes" => Metric::Bytes(argument),
        "peak" => Metric::Peak(argument),
        "total" | "wall" if argument.is_some() => return Err(format!("`{head}` takes no function")),
        "total" => Metric::Total,
        "wall" => Metric::Wall,
        "" => return Err("nothing before the comparison".to_string()),
        other => {
            return Err(format!("unknown figure `{other}` (incl, self, calls, bytes, peak, total, wall)"));
        }
    })
}

fn parse_threshold(text: &str, unit: Unit) -> Result<Threshold, String> {
    let split = text
        .char_indices()
        .find(|&(i, c)| !(c.is_ascii_digit() || c == '.' || ((c == '+' || c == '-') && i == 0)))
        .map_or(text.len(), |(i, _)| i);
    let (number, suffix) = (&text[..split], text[split..].trim());
    let value: f64 = number
        .parse()
        .ok()
        .filter(|v: &f64| v.is_finite())
        .ok_or_else(|| format!("`{text}` does not start with a number"))?;
    if suffix == "%" {
        return Ok(Threshold::Relative(value / 100.0));
    }
    let scale = match (unit, suffix) {
        (Unit::Seconds, "ns") => return Ok(Threshold::Absolute(value / 1e9)),
        (Unit::Seconds, "us" | "µs") => return Ok(Threshold::Absolute(value / 1e6)),
        (Unit::Seconds, "ms") => return Ok(Threshold::Absolute(value / 1e3)),
        (Unit::Seconds, "s") => 1.0,
        (Unit::Seconds, "") => return Err("a time threshold needs a unit (ns, us, ms, s) or `%`".to_string()),
        (Unit::Calls, "" | "calls") => 1.0,
        (Unit::Bytes, "" | "B") => 1.0,
        (Unit::Bytes, "KB") => 1e3,
        (Unit::Bytes, "MB") => 1e6,
        (Unit::Bytes, "GB") => 1e9,
        (Unit::Bytes, "KiB") => 1024.0,
        (Unit::Bytes, "MiB") => 1024.0 * 1024.0,
        (Unit::Bytes, "GiB") => 1024.0 * 1024.0 * 1024.0,
        (Unit::Seconds, other) => return Err(format!("`{other}` is not a time unit (ns, us, ms, s)")),
        (Unit::Calls, other) => return Err(format!("`{other}`: a calls threshold is a plain count or `%`")),
        (Unit::Bytes, other) => {
            return Err(format!("`{other}` is not a byte unit (B, KB, MB, GB, KiB, MiB, GiB)"));
        }
    };
    Ok(Threshold::Absolute(value * scale))
}

/// The function `query` names in either report, as the diff names it.
fn resolve(diff: &Diff, base: &Report, new: &Report, query: &str, text: &str) -> Result<String, GateError> {
    let lookup = |source| GateError::Lookup { text: text.to_string(), source };
    let found = match find_function(new, query) {
        Ok(id) => new.functions[id as usize].name.clone(),
        Err(LookupError::NoFunction { similar, .. }) => match find_function(base, query) {
            Ok(id) => base.functions[id as usize].name.clone(),
            Err(LookupError::NoFunction { similar: base_similar, .. }) => {
                let mut similar = similar;
                for name in base_similar {
                    if !similar.contains(&name) {
                        similar.push(name);
                    }
                }
                return Err(lookup(LookupError::NoFunction { query: query.to_string(), similar }));
            }
            Err(other) => return Err(lookup(other)),
        },
        Err(other) => return Err(lookup(other)),
    };
    diff.function(&found).map(|f| f.name.clone()).ok_or_else(|| GateError::NotMeasured {
        text: text.to_string(),
        why: format!("`{found}` has no figures on either side"),
    })
}

/// Checks every condition against `diff` (of `base` and `new`, which name
/// the functions).
pub fn evaluate(
    diff: &Diff,
    base: &Report,
    new: &Report,
    conditions: &[Condition],
) -> Result<Vec<GateResult>, GateError> {
    conditions.iter().map(|c| check(diff, base, new, c)).collect()
}

fn check(diff: &Diff, base: &Report, new: &Report, condition: &Condition) -> Result<GateResult, GateError> {
    let text = &condition.text;
    let function = condition.metric.function().map(|q| resolve(diff, base, new, q, text)).transpose()?;
    let metric =
        function.clone().map_or_else(|| condition.metric.clone(), |f| condition.metric.with_function(f));
    let row = |name: &str| diff.function(name).map(|f| &f.changes);
    let change = match &metric {
        Metric::Inclusive(f) => row(f).and_then(|c| c.inclusive_time.as_ref()),
        Metric::SelfTime(f) => row(f).and_then(|c| c.self_time.as_ref()),
        Metric::Calls(f) => row(f).and_then(|c| c.calls.as_ref()),
        Metric::Bytes(Some(f)) => row(f).and_then(|c| c.bytes.as_ref()),
        Metric::Peak(Some(f)) => row(f).and_then(|c| c.peak_bytes.as_ref()),
        Metric::Bytes(None) => diff.totals.bytes.as_ref(),
        Metric::Peak(None) => diff.totals.peak_bytes.as_ref(),
        Metric::Total => diff.totals.cpu_time.as_ref(),
        Metric::Wall => diff.totals.wall_time.as_ref(),
    };
    let change = change.cloned().ok_or_else(|| GateError::NotMeasured {
        text: text.clone(),
        why: match metric {
            Metric::Calls(_) => "no call counts on both sides (no calls pass, or the function is not probed)",
            Metric::Bytes(_) | Metric::Peak(_) => "no heap pass on both sides",
            Metric::Wall => "no bare runs on both sides",
            _ => "no cpu pass (or calls pass) on both sides",
        }
        .to_string(),
    })?;
    let measured = match condition.threshold {
        Threshold::Absolute(_) => change.delta,
        Threshold::Relative(_) => change.relative().unwrap_or(match change.delta {
            d if d > 0.0 => f64::INFINITY,
            d if d < 0.0 => f64::NEG_INFINITY,
            _ => 0.0,
        }),
    };
    let within_noise = change.verdict == Verdict::Noise;
    let counted = if within_noise { 0.0 } else { measured };
    let limit = match condition.threshold {
        Threshold::Relative(v) | Threshold::Absolute(v) => v,
    };
    let fails = if condition.above { counted > limit } else { counted < limit };
    Ok(GateResult { condition: condition.clone(), function, change, measured, within_noise, fails })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parsed(text: &str) -> (Metric, bool, Threshold) {
        let c = parse_condition(text).expect("parses");
        (c.metric, c.above, c.threshold)
    }

    #[test]
    fn conditions_parse_with_units() {
        assert_eq!(
            parsed("incl(evolve) > +10%"),
            (Metric::Inclusive("evolve".into()), true, Threshold::Relative(0.1))
        );
        assert_eq!(
            parsed("self( a::b )<-2.5ms"),
            (Metric::SelfTime("a::b".into()), false, Threshold::Absolute(-2.5e-3))
        );
        assert_eq!(parsed("calls(f) > 1000"), (Metric::Calls("f".into()), true, Threshold::Absolute(1000.0)));
        assert_eq!(parsed("peak > +1MiB"), (Metric::Peak(None), true, Threshold::Absolute(1048576.0)));
        assert_eq!(
            parsed("bytes(g) > 2 KB"),
            (Metric::Bytes(Some("g".into())), true, Threshold::Absolute(2000.0))
        );
        assert_eq!(parsed("total > +5us"), (Metric::Total, true, Threshold::Absolute(5e-6)));
        assert_eq!(parsed("wall < -20%"), (Metric::Wall, false, Threshold::Relative(-0.2)));
        assert_eq!(
            parsed("incl(<f64>::sqrt) > 1%"),
            (Metric::Inclusive("<f64>::sqrt".into()), true, Threshold::Relative(0.01))
        );
    }

    #[test]
    fn bad_conditions_say_what_is_wrong() {
        let why = |text: &str| match parse_condition(text) {
            Err(GateError::Syntax { why, .. }) => why,
            other => panic!("{text}: {other:?}"),
        };
        assert_eq!(why("incl(evolve) 10%"), "no `>` or `<`");
        assert_eq!(why("incl(evolve) >= 10%"), "`>=` and `<=` are not supported; use `>` or `<`");
        assert_eq!(why("incl > 10%"), "`incl` needs a function: `incl(NAME)`");
        assert_eq!(why("incl(evolve > 10%"), "`(` without a closing `)`");
        assert_eq!(
            why("speed(f) > 1%"),
            "unknown figure `speed` (incl, self, calls, bytes, peak, total, wall)"
        );
        assert_eq!(why("incl(f) > 10"), "a time threshold needs a unit (ns, us, ms, s) or `%`");
        assert_eq!(why("incl(f) > 1MiB"), "`MiB` is not a time unit (ns, us, ms, s)");
        assert_eq!(why("peak > 2ms"), "`ms` is not a byte unit (B, KB, MB, GB, KiB, MiB, GiB)");
        assert_eq!(why("calls(f) > x"), "`x` does not start with a number");
        assert_eq!(why("total(f) > 1%"), "`total` takes no function");
    }
}
