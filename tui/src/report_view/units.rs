//! Figures as text, every one with its unit: seconds, bytes, percentages,
//! and the dash that stands for "not measured".

use proftui_core::timing::human_seconds;

/// What a cell shows for a figure no pass measured.
pub const NONE: &str = "—";

/// Bytes with a binary unit and three significant digits: `812 B`,
/// `3.42 KiB`, `12.5 MiB`.
pub fn human_bytes(bytes: u64) -> String {
    const UNITS: [&str; 5] = ["KiB", "MiB", "GiB", "TiB", "PiB"];
    if bytes < 1024 {
        return format!("{bytes} B");
    }
    let mut value = bytes as f64 / 1024.0;
    let mut unit = 0;
    while value >= 1024.0 && unit + 1 < UNITS.len() {
        value /= 1024.0;
        unit += 1;
    }
    let decimals = match value {
        v if v < 10.0 => 2,
        v if v < 100.0 => 1,
        _ => 0,
    };
    format!("{value:.decimals$} {}", UNITS[unit])
}

/// A percentage with one decimal: `57.1%`.
pub fn percent(value: f64) -> String {
    format!("{value:.1}%")
}

/// The event an imported report's figures count (`Ir`, `samples`), set
/// when such a report is shown: its `_s` figures are then event counts and
/// [`seconds`] writes them as counts of that event, never as seconds.
static EVENT_UNIT: std::sync::RwLock<Option<String>> = std::sync::RwLock::new(None);

/// Makes [`seconds`] write counts of `event` (an imported report) or
/// durations (`None`, a recorded one).
pub fn set_event_unit(event: Option<&str>) {
    if let Ok(mut unit) = EVENT_UNIT.write() {
        *unit = event.map(str::to_string);
    }
}

/// A count with three significant digits and a decimal prefix: `812`,
/// `3.40k`, `12.5M`, `1.23G`.
pub fn human_count(value: f64) -> String {
    const PREFIXES: [(f64, &str); 4] = [(1e12, "T"), (1e9, "G"), (1e6, "M"), (1e3, "k")];
    match PREFIXES.iter().find(|(scale, _)| value.abs() >= *scale) {
        Some((scale, prefix)) => {
            let v = value / scale;
            let decimals = match v.abs() {
                a if a < 10.0 => 2,
                a if a < 100.0 => 1,
                _ => 0,
            };
            format!("{v:.decimals$}{prefix}")
        }
        None => format!("{value:.0}"),
    }
}

/// A duration with three significant digits and its unit (`812 ns`,
/// `3.40 µs`, `12.5 ms`, `1.234 s`); nothing at all is `0 s`. For an
/// imported report (see [`set_event_unit`]), a count of its event:
/// `12.5M Ir`.
pub fn seconds(value: f64) -> String {
    if let Ok(unit) = EVENT_UNIT.read()
        && let Some(event) = unit.as_deref()
    {
        return format!("{} {event}", human_count(value));
    }
    if value == 0.0 { "0 s".to_string() } else { human_seconds(value) }
}

/// `seconds` of a figure that may be absent.
pub fn seconds_or_none(value: Option<f64>) -> String {
    value.map_or_else(|| NONE.to_string(), seconds)
}

/// Nanoseconds since a pass started, as a duration.
pub fn since_start(time_ns: u64) -> String {
    seconds(time_ns as f64 / 1e9)
}

/// Seconds since the Unix epoch as a UTC date and time:
/// `2024-05-01 12:34:56 UTC`.
pub fn utc(unix_s: u64) -> String {
    let days = (unix_s / 86_400) as i64;
    let secs = unix_s % 86_400;
    // Howard Hinnant's civil_from_days.
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + i64::from(month <= 2);
    format!("{year:04}-{month:02}-{day:02} {:02}:{:02}:{:02} UTC", secs / 3600, secs / 60 % 60, secs % 60)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bytes_take_a_binary_unit() {
        assert_eq!(human_bytes(0), "0 B");
        assert_eq!(human_bytes(1023), "1023 B");
        assert_eq!(human_bytes(3500), "3.42 KiB");
        assert_eq!(human_bytes(12 * 1024 * 1024 + 512 * 1024), "12.5 MiB");
        assert_eq!(human_bytes(300 * 1024 * 1024 * 1024), "300 GiB");
    }

    #[test]
    fn dates_are_utc() {
        assert_eq!(utc(0), "1970-01-01 00:00:00 UTC");
        assert_eq!(utc(1_700_000_000), "2023-11-14 22:13:20 UTC");
        assert_eq!(utc(951_782_400), "2000-02-29 00:00:00 UTC");
    }
}
