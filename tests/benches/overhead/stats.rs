//! Medians, minima and the `median (min – max)` cells of the tables.

/// The median; the mean of the middle two for an even count.
pub fn median(values: impl IntoIterator<Item = f64>) -> f64 {
    let mut sorted: Vec<f64> = values.into_iter().collect();
    assert!(!sorted.is_empty(), "median of nothing");
    sorted.sort_by(f64::total_cmp);
    let n = sorted.len();
    if n % 2 == 1 { sorted[n / 2] } else { (sorted[n / 2 - 1] + sorted[n / 2]) / 2.0 }
}

/// The smallest value; infinity for none.
pub fn minimum(values: impl IntoIterator<Item = f64>) -> f64 {
    values.into_iter().fold(f64::INFINITY, f64::min)
}

/// `median (min – max)` of per-round figures.
pub fn spread(values: &[f64], decimals: usize) -> String {
    let min = minimum(values.iter().copied());
    let max = values.iter().copied().fold(f64::NEG_INFINITY, f64::max);
    format!("{:.decimals$} ({min:.decimals$} – {max:.decimals$})", median(values.iter().copied()))
}
