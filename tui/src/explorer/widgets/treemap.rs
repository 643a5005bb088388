//! A squarified treemap (Bruls, Huizing, van Wijk): rectangles whose
//! areas are proportional to weights, as square as the space allows,
//! tiling a parent rectangle of terminal cells.
//!
//! Cells are about twice as tall as wide, so the layout runs in a space
//! where a cell is 1 wide and [`CELL_ASPECT`] tall and comes back to cells
//! at the end. Every edge two rectangles share is one computed number,
//! rounded once, so the rounded rectangles never overlap and never leave
//! the parent; a weight too small for a cell gets an empty rectangle.

use ratatui::layout::Rect;

/// How many times taller than wide a terminal cell is.
pub const CELL_ASPECT: f64 = 2.0;

/// A rectangle in layout space (cell widths).
#[derive(Debug, Clone, Copy)]
struct Space {
    x: f64,
    y: f64,
    w: f64,
    h: f64,
}

/// The rectangles of `weights` (in their order) tiling `area`, areas in
/// proportion to the weights. Zero, negative and non-finite weights get
/// empty rectangles; when all are, every rectangle is empty.
pub fn squarify(weights: &[f64], area: Rect) -> Vec<Rect> {
    let mut out = vec![Rect::new(area.x, area.y, 0, 0); weights.len()];
    let valid = |w: f64| w.is_finite() && w > 0.0;
    let total: f64 = weights.iter().copied().filter(|&w| valid(w)).sum();
    if total <= 0.0 || area.is_empty() {
        return out;
    }
    let mut order: Vec<usize> = (0..weights.len()).filter(|&i| valid(weights[i])).collect();
    order.sort_by(|&a, &b| weights[b].total_cmp(&weights[a]).then(a.cmp(&b)));
    let mut free = Space {
        x: f64::from(area.x),
        y: f64::from(area.y) * CELL_ASPECT,
        w: f64::from(area.width),
        h: f64::from(area.height) * CELL_ASPECT,
    };
    let scale = free.w * free.h / total;
    let areas: Vec<f64> = order.iter().map(|&i| weights[i] * scale).collect();
    let (right, bottom) = (free.x + free.w, free.y + free.h);
    let mut start = 0;
    while start < areas.len() {
        let side = free.w.min(free.h);
        let mut end = start + 1;
        while end < areas.len() && worst(&areas[start..=end], side) <= worst(&areas[start..end], side) {
            end += 1;
        }
        let row = &areas[start..end];
        let sum: f64 = row.iter().sum();
        let last = end == areas.len();
        let mut place = |k: usize, s: Space| out[order[start + k]] = to_cells(s, area);
        if free.w >= free.h {
            // A column along the left side; the last one takes what is left.
            let x1 = if last { right } else { (free.x + sum / free.h).min(right) };
            let mut y = free.y;
            let mut running = 0.0;
            for (k, a) in row.iter().enumerate() {
                running += a;
                let y1 = if k + 1 == row.len() { free.y + free.h } else { free.y + free.h * running / sum };
                place(k, Space { x: free.x, y, w: x1 - free.x, h: y1 - y });
                y = y1;
            }
            free = Space { x: x1, y: free.y, w: right - x1, h: free.h };
        } else {
            // A row along the top.
            let y1 = if last { bottom } else { (free.y + sum / free.w).min(bottom) };
            let mut x = free.x;
            let mut running = 0.0;
            for (k, a) in row.iter().enumerate() {
                running += a;
                let x1 = if k + 1 == row.len() { free.x + free.w } else { free.x + free.w * running / sum };
                place(k, Space { x, y: free.y, w: x1 - x, h: y1 - free.y });
                x = x1;
            }
            free = Space { x: free.x, y: y1, w: free.w, h: bottom - y1 };
        }
        start = end;
    }
    out
}

/// The worst aspect ratio of a row of `areas` laid along `side`.
fn worst(areas: &[f64], side: f64) -> f64 {
    let sum: f64 = areas.iter().sum();
    let (min, max) = areas.iter().fold((f64::MAX, 0.0f64), |(lo, hi), &a| (lo.min(a), hi.max(a)));
    let (side2, sum2) = (side * side, sum * sum);
    (side2 * max / sum2).max(sum2 / (side2 * min))
}

/// A layout-space rectangle in cells, edges rounded and kept in `area`.
fn to_cells(s: Space, area: Rect) -> Rect {
    let clamp = |v: f64, lo: u16, hi: u16| (v.round().max(f64::from(lo)) as u16).clamp(lo, hi);
    let x0 = clamp(s.x, area.x, area.right());
    let x1 = clamp(s.x + s.w, area.x, area.right());
    let y0 = clamp(s.y / CELL_ASPECT, area.y, area.bottom());
    let y1 = clamp((s.y + s.h) / CELL_ASPECT, area.y, area.bottom());
    if x1 <= x0 || y1 <= y0 {
        return Rect::new(x0, y0, 0, 0);
    }
    Rect::new(x0, y0, x1 - x0, y1 - y0)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn check(weights: &[f64], area: Rect) -> Vec<Rect> {
        let rects = squarify(weights, area);
        assert_eq!(rects.len(), weights.len());
        let total: f64 = weights.iter().filter(|w| **w > 0.0).sum();
        for (i, r) in rects.iter().enumerate() {
            if r.is_empty() {
                continue;
            }
            assert_eq!(r.intersection(area), *r, "rect {i} {r:?} leaves {area:?}");
            for (j, other) in rects.iter().enumerate().skip(i + 1) {
                assert!(!r.intersects(*other), "rects {i} {r:?} and {j} {other:?} overlap");
            }
            // Each edge moves at most half a cell when rounded.
            let expected = weights[i] / total * f64::from(area.area());
            let slack = f64::from(r.width + r.height) + 1.0;
            let actual = f64::from(r.area());
            assert!((actual - expected).abs() <= slack, "rect {i}: {actual} cells for {expected:.1}");
        }
        rects
    }

    #[test]
    fn areas_follow_weights_without_overlap_inside_the_parent() {
        let area = Rect::new(3, 2, 60, 20);
        let rects = check(&[6.0, 6.0, 4.0, 3.0, 2.0, 2.0, 1.0], area);
        let covered: u32 = rects.iter().map(|r| r.area()).sum();
        assert_eq!(covered, area.area(), "the rectangles tile the parent");
        check(&[1.0; 37], Rect::new(0, 0, 80, 22));
        check(&[100.0, 1.0, 1.0, 0.5, 0.25], Rect::new(0, 0, 40, 10));
        check(&[3.0, 1.0], Rect::new(0, 0, 7, 3));
    }

    #[test]
    fn two_equal_weights_halve_the_area() {
        let rects = squarify(&[1.0, 1.0], Rect::new(0, 0, 40, 10));
        // 40 × 10 cells is 40 × 20 in layout space: split side by side.
        assert_eq!(rects, vec![Rect::new(0, 0, 20, 10), Rect::new(20, 0, 20, 10)]);
        let rects = squarify(&[1.0, 3.0], Rect::new(0, 0, 10, 20));
        assert_eq!(rects, vec![Rect::new(0, 15, 10, 5), Rect::new(0, 0, 10, 15)]);
    }

    #[test]
    fn nothing_to_share_gives_empty_rectangles() {
        for (weights, area) in [
            (&[0.0, 0.0][..], Rect::new(0, 0, 10, 10)),
            (&[1.0, f64::NAN, -1.0][..], Rect::new(0, 0, 0, 0)),
            (&[][..], Rect::new(0, 0, 10, 10)),
        ] {
            assert!(squarify(weights, area).iter().all(|r| r.is_empty()));
        }
        let rects = squarify(&[1.0, 0.0, f64::INFINITY], Rect::new(0, 0, 1, 1));
        assert_eq!(rects, vec![Rect::new(0, 0, 1, 1), Rect::new(0, 0, 0, 0), Rect::new(0, 0, 0, 0)]);
        let tiny = squarify(&[1000.0, 1.0], Rect::new(0, 0, 4, 2));
        assert!(tiny[1].is_empty(), "a weight under a cell gets no cell: {tiny:?}");
    }
}
