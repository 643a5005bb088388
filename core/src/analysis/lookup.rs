//! Finding what a person names: a function by its name or part of it, a
//! thread by its name or OS id.

use crate::report::{FunctionId, Report, ThreadId};

/// How many candidates an error message lists.
const LISTED: usize = 8;

/// A name that picks no single function or thread.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum LookupError {
    #[error("no function matches `{query}`{}", suggest(similar))]
    NoFunction { query: String, similar: Vec<String> },
    #[error("`{query}` matches {} functions: {}; give more of the name", candidates.len(), listing(candidates))]
    AmbiguousFunction { query: String, candidates: Vec<String> },
    #[error("no thread is named or numbered `{query}`; the report's threads: {}", listing(threads))]
    NoThread { query: String, threads: Vec<String> },
}

fn listing(names: &[String]) -> String {
    let mut text = names.iter().take(LISTED).cloned().collect::<Vec<_>>().join(", ");
    if names.len() > LISTED {
        text.push_str(&format!(" and {} more", names.len() - LISTED));
    }
    if text.is_empty() { "none".to_string() } else { text }
}

fn suggest(similar: &[String]) -> String {
    if similar.is_empty() {
        "; the flat view lists every function".to_string()
    } else {
        format!("; did you mean {}?", listing(similar))
    }
}

/// The last `::` segment of a path (`a::b::f` → `f`).
fn last_segment(name: &str) -> &str {
    name.rsplit("::").next().unwrap_or(name)
}

/// Levenshtein distance over chars.
fn edit_distance(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut row: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.chars().enumerate() {
        let mut diagonal = row[0];
        row[0] = i + 1;
        for (j, cb) in b.iter().enumerate() {
            let above = row[j + 1];
            row[j + 1] = (diagonal + usize::from(ca != *cb)).min(above + 1).min(row[j] + 1);
            diagonal = above;
        }
    }
    row[b.len()]
}

/// The function `query` names: its exact name, else the unique function
/// whose last path segment is `query`, else the unique one containing it
/// (case-sensitive first, then ignoring case).
pub fn find_function(report: &Report, query: &str) -> Result<FunctionId, LookupError> {
    let names = || report.functions.iter().enumerate().map(|(id, f)| (id as FunctionId, f.name.as_str()));
    if let Some((id, _)) = names().find(|(_, name)| *name == query) {
        return Ok(id);
    }
    let lower = query.to_lowercase();
    let tiers: [&dyn Fn(&str) -> bool; 3] =
        [&|name| last_segment(name) == query, &|name| name.contains(query), &|name| {
            name.to_lowercase().contains(&lower)
        }];
    for matches in tiers {
        let found: Vec<(FunctionId, &str)> = names().filter(|(_, name)| matches(name)).collect();
        match found.as_slice() {
            [] => continue,
            [(id, _)] => return Ok(*id),
            _ => {
                let mut candidates: Vec<String> = found.iter().map(|(_, n)| n.to_string()).collect();
                candidates.sort();
                return Err(LookupError::AmbiguousFunction { query: query.to_string(), candidates });
            }
        }
    }
    let tolerance = (lower.chars().count() / 3).max(2);
    let mut similar: Vec<(usize, String)> = names()
        .map(|(_, name)| (edit_distance(&last_segment(name).to_lowercase(), &lower), name.to_string()))
        .filter(|(distance, _)| *distance <= tolerance)
        .collect();
    similar.sort();
    Err(LookupError::NoFunction {
        query: query.to_string(),
        similar: similar.into_iter().map(|(_, n)| n).collect(),
    })
}

/// Every thread id (one per pass that saw it) whose name is `query` or
/// whose OS id is the number `query`.
pub fn find_threads(report: &Report, query: &str) -> Result<Vec<ThreadId>, LookupError> {
    let os_id = query.parse::<u64>().ok();
    let found: Vec<ThreadId> = report
        .threads
        .iter()
        .enumerate()
        .filter(|(_, t)| t.name == query || Some(t.os_id) == os_id)
        .map(|(id, _)| id as ThreadId)
        .collect();
    if found.is_empty() {
        let threads =
            report.threads.iter().map(|t| format!("{} ({} {})", t.name, t.pass.name(), t.os_id)).collect();
        return Err(LookupError::NoThread { query: query.to_string(), threads });
    }
    Ok(found)
}

#[cfg(test)]
mod tests {
    use super::super::fixtures::*;
    use super::*;

    #[test]
    fn a_function_is_found_by_name_segment_or_unique_part() {
        let report = taylor();
        let fact = id(&report, FACT);
        assert_eq!(find_function(&report, FACT), Ok(fact));
        assert_eq!(find_function(&report, "factorial"), Ok(fact));
        assert_eq!(find_function(&report, "fact"), Ok(fact));
        assert_eq!(find_function(&report, "FACTORIAL"), Ok(fact));
        assert_eq!(find_function(&report, "raw_vec"), Ok(id(&report, GROW)));
    }

    #[test]
    fn ambiguity_and_no_match_name_the_candidates_in_one_line() {
        let report = taylor();
        let ambiguous = find_function(&report, "taylor::").expect_err("three functions match");
        assert_eq!(
            ambiguous.to_string(),
            "`taylor::` matches 3 functions: taylor::factorial, taylor::run, taylor::taylor_exp; give more of the name"
        );
        let typo = find_function(&report, "factorail").expect_err("a typo");
        assert_eq!(typo.to_string(), "no function matches `factorail`; did you mean taylor::factorial?");
        let nothing = find_function(&report, "zzzzzzzzzz").expect_err("nothing like it");
        assert_eq!(
            nothing.to_string(),
            "no function matches `zzzzzzzzzz`; the flat view lists every function"
        );
    }

    #[test]
    fn a_thread_is_found_by_name_in_every_pass_or_by_os_id() {
        let report = taylor();
        assert_eq!(find_threads(&report, "main"), Ok(vec![CPU_MAIN, CALLS_MAIN]));
        assert_eq!(find_threads(&report, "101"), Ok(vec![CPU_WORKER]));
        let error = find_threads(&report, "gui").expect_err("no such thread");
        assert_eq!(
            error.to_string(),
            "no thread is named or numbered `gui`; the report's threads: main (cpu 100), worker (cpu 101), main (calls 200), worker (calls 201)"
        );
    }
}
