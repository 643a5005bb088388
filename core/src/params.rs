//! Turns what the user typed (`--workload`, `--variant`, `--param k=v`)
//! into a complete, checked [`Invocation`], or says exactly what is wrong.

use crate::plugin::{ParamKind, PluginInfo, WorkloadInfo};
use serde::{Deserialize, Serialize};
use std::fmt;

/// One parameter's value.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ParamValue {
    Int(i64),
    Float(f64),
    Choice(String),
}

impl fmt::Display for ParamValue {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ParamValue::Int(v) => write!(f, "{v}"),
            ParamValue::Float(v) => write!(f, "{v}"),
            ParamValue::Choice(v) => f.write_str(v),
        }
    }
}

/// A workload with its variant and every parameter's value (defaults
/// filled in), in the order the plugin declares them.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Invocation {
    pub workload: String,
    /// Empty when the workload has no variants.
    pub variant: String,
    pub params: Vec<(String, ParamValue)>,
}

impl Invocation {
    /// `npart=100 dt=0.1 seed=42`
    pub fn params_text(&self) -> String {
        self.params.iter().map(|(name, value)| format!("{name}={value}")).collect::<Vec<_>>().join(" ")
    }
}

/// What is wrong with the requested workload, variant or parameters.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum ParamError {
    #[error("plugin `{plugin}` declares no workloads")]
    NoWorkloads { plugin: String },
    #[error("plugin `{plugin}` has no workload `{name}`; its workloads are: {known}")]
    UnknownWorkload { plugin: String, name: String, known: String },
    #[error("workload `{workload}` has no variant `{name}`; its variants are: {known}")]
    UnknownVariant { workload: String, name: String, known: String },
    #[error("workload `{workload}` has no variants, but --variant {name} was given")]
    NoVariants { workload: String, name: String },
    #[error("--param expects NAME=VALUE, got `{given}`")]
    NotAssignment { given: String },
    #[error("workload `{workload}` has no parameter `{name}`; its parameters are: {known}")]
    UnknownParam { workload: String, name: String, known: String },
    #[error("parameter `{name}` is given twice")]
    Duplicate { name: String },
    #[error("{name}={value}: not an integer; {name} takes a whole number in {range}")]
    NotInteger { name: String, value: String, range: String },
    #[error("{name}={value}: not a number; {name} takes a number in {range}")]
    NotNumber { name: String, value: String, range: String },
    #[error("{name}={value}: out of range; {name} must be in {range}")]
    OutOfRange { name: String, value: String, range: String },
    #[error("{name}={value}: not one of {choices}")]
    NotAChoice { name: String, value: String, choices: String },
}

fn names<'a>(items: impl Iterator<Item = &'a str>) -> String {
    let list: Vec<&str> = items.collect();
    if list.is_empty() { "(none)".to_string() } else { list.join(", ") }
}

/// Resolves a request against a plugin's declarations. With no workload
/// named, the plugin's first workload is used; with no variant, the
/// workload's first.
pub fn resolve(
    info: &PluginInfo,
    workload: Option<&str>,
    variant: Option<&str>,
    assignments: &[String],
) -> Result<Invocation, ParamError> {
    let w = match workload {
        Some(name) => info.workload(name).map(|(_, w)| w).ok_or_else(|| ParamError::UnknownWorkload {
            plugin: info.name.clone(),
            name: name.to_string(),
            known: names(info.workloads.iter().map(|w| w.name.as_str())),
        })?,
        None => {
            info.workloads.first().ok_or_else(|| ParamError::NoWorkloads { plugin: info.name.clone() })?
        }
    };
    let variant = resolve_variant(w, variant)?;
    let mut given: Vec<(&str, &str)> = Vec::new();
    for assignment in assignments {
        let (name, value) = assignment
            .split_once('=')
            .map(|(n, v)| (n.trim(), v.trim()))
            .filter(|(n, _)| !n.is_empty())
            .ok_or_else(|| ParamError::NotAssignment { given: assignment.clone() })?;
        if !w.params.iter().any(|p| p.name == name) {
            return Err(ParamError::UnknownParam {
                workload: w.name.clone(),
                name: name.to_string(),
                known: names(w.params.iter().map(|p| p.name.as_str())),
            });
        }
        if given.iter().any(|(n, _)| *n == name) {
            return Err(ParamError::Duplicate { name: name.to_string() });
        }
        given.push((name, value));
    }
    let params = w
        .params
        .iter()
        .map(|p| {
            let value = match given.iter().find(|(n, _)| *n == p.name) {
                Some((_, text)) => parse_value(&p.name, &p.kind, text)?,
                None => default_value(&p.kind),
            };
            Ok((p.name.clone(), value))
        })
        .collect::<Result<_, ParamError>>()?;
    Ok(Invocation { workload: w.name.clone(), variant, params })
}

fn resolve_variant(w: &WorkloadInfo, variant: Option<&str>) -> Result<String, ParamError> {
    match (variant, w.variants.first()) {
        (None, None) => Ok(String::new()),
        (None, Some(first)) => Ok(first.name.clone()),
        (Some(name), None) => {
            Err(ParamError::NoVariants { workload: w.name.clone(), name: name.to_string() })
        }
        (Some(name), Some(_)) if w.variant(name).is_some() => Ok(name.to_string()),
        (Some(name), Some(_)) => Err(ParamError::UnknownVariant {
            workload: w.name.clone(),
            name: name.to_string(),
            known: names(w.variants.iter().map(|v| v.name.as_str())),
        }),
    }
}

/// The default value of a parameter.
pub fn default_value(kind: &ParamKind) -> ParamValue {
    match kind {
        ParamKind::Int { default, .. } => ParamValue::Int(*default),
        ParamKind::Float { default, .. } => ParamValue::Float(*default),
        ParamKind::Choice { choices, default } => {
            ParamValue::Choice(choices.get(*default).cloned().unwrap_or_default())
        }
    }
}

/// Parses and range-checks one value. Integers may be written with `_`
/// separators or in exponent form when whole (`1_000_000`, `1e9`).
pub fn parse_value(name: &str, kind: &ParamKind, text: &str) -> Result<ParamValue, ParamError> {
    let range = kind.range_text();
    let out_of_range =
        || ParamError::OutOfRange { name: name.into(), value: text.into(), range: range.clone() };
    match kind {
        ParamKind::Int { min, max, .. } => {
            let cleaned = text.replace('_', "");
            let value = match cleaned.parse::<i64>() {
                Ok(v) => v,
                Err(_) => match cleaned.parse::<f64>() {
                    Ok(f) if f.is_finite() && f.fract() == 0.0 => {
                        if f < *min as f64 || f > *max as f64 {
                            return Err(out_of_range());
                        }
                        f as i64
                    }
                    Ok(f) if f.is_finite() => {
                        return Err(ParamError::NotInteger { name: name.into(), value: text.into(), range });
                    }
                    _ => return Err(ParamError::NotInteger { name: name.into(), value: text.into(), range }),
                },
            };
            if value < *min || value > *max {
                return Err(out_of_range());
            }
            Ok(ParamValue::Int(value))
        }
        ParamKind::Float { min, max, .. } => {
            let value =
                text.replace('_', "").parse::<f64>().ok().filter(|v| v.is_finite()).ok_or_else(|| {
                    ParamError::NotNumber { name: name.into(), value: text.into(), range: range.clone() }
                })?;
            if value < *min || value > *max {
                return Err(out_of_range());
            }
            Ok(ParamValue::Float(value))
        }
        ParamKind::Choice { choices, .. } => {
            choices.iter().find(|c| c.as_str() == text).map(|c| ParamValue::Choice(c.clone())).ok_or_else(
                || ParamError::NotAChoice {
                    name: name.into(),
                    value: text.into(),
                    choices: choices.join(", "),
                },
            )
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::plugin::{ParamInfo, VariantInfo};

    fn plugin() -> PluginInfo {
        let param = |name: &str, kind| ParamInfo { name: name.into(), description: String::new(), kind };
        PluginInfo {
            name: "demo".into(),
            description: String::new(),
            checks: vec![],
            workloads: vec![WorkloadInfo {
                name: "bench".into(),
                description: String::new(),
                variants: ["naive", "tuned"]
                    .map(|v| VariantInfo { name: v.into(), description: String::new() })
                    .to_vec(),
                params: vec![
                    param("n", ParamKind::Int { default: 100, min: 1, max: 1_000_000_000 }),
                    param("dt", ParamKind::Float { default: 0.1, min: 1e-5, max: 10.0 }),
                    param("layout", ParamKind::Choice { choices: vec!["a".into(), "b".into()], default: 1 }),
                ],
            }],
        }
    }

    fn args(list: &[&str]) -> Vec<String> {
        list.iter().map(|s| s.to_string()).collect()
    }

    #[test]
    fn fills_defaults_and_parses_overrides() {
        let inv = resolve(&plugin(), None, None, &args(&["n=1e9", "layout=a"])).unwrap();
        assert_eq!(inv.workload, "bench");
        assert_eq!(inv.variant, "naive");
        assert_eq!(inv.params_text(), "n=1000000000 dt=0.1 layout=a");
        let inv = resolve(&plugin(), Some("bench"), Some("tuned"), &args(&["n=1_000", "dt=0.5"])).unwrap();
        assert_eq!(inv.params_text(), "n=1000 dt=0.5 layout=b");
    }

    #[test]
    fn says_what_is_wrong() {
        let err = |w, v, a: &[&str]| resolve(&plugin(), w, v, &args(a)).unwrap_err().to_string();
        assert_eq!(err(Some("x"), None, &[]), "plugin `demo` has no workload `x`; its workloads are: bench");
        assert_eq!(
            err(None, Some("fast"), &[]),
            "workload `bench` has no variant `fast`; its variants are: naive, tuned"
        );
        assert_eq!(err(None, None, &["n"]), "--param expects NAME=VALUE, got `n`");
        assert_eq!(
            err(None, None, &["m=1"]),
            "workload `bench` has no parameter `m`; its parameters are: n, dt, layout"
        );
        assert_eq!(err(None, None, &["n=0"]), "n=0: out of range; n must be in 1..=1000000000");
        assert_eq!(err(None, None, &["n=2e9"]), "n=2e9: out of range; n must be in 1..=1000000000");
        assert_eq!(
            err(None, None, &["n=99999999999999999999"]),
            "n=99999999999999999999: out of range; n must be in 1..=1000000000"
        );
        assert_eq!(
            err(None, None, &["n=abc"]),
            "n=abc: not an integer; n takes a whole number in 1..=1000000000"
        );
        assert_eq!(
            err(None, None, &["n=1.5"]),
            "n=1.5: not an integer; n takes a whole number in 1..=1000000000"
        );
        assert_eq!(err(None, None, &["dt=nan"]), "dt=nan: not a number; dt takes a number in 0.00001..=10");
        assert_eq!(err(None, None, &["dt=11"]), "dt=11: out of range; dt must be in 0.00001..=10");
        assert_eq!(err(None, None, &["layout=c"]), "layout=c: not one of a, b");
        assert_eq!(err(None, None, &["n=1", "n=2"]), "parameter `n` is given twice");
    }
}
