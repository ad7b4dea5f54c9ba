//! Parallel map for every stage: `load` parses files, `resolve` resolves profiles, `render`
//! renders them, `emit` compares and writes files, each on every core.
//!
//! Takes a slice and a function; gives the results in the slice's order. Uses nothing of the
//! crate, so every stage may use it without depending on another.

use std::sync::atomic::{AtomicUsize, Ordering};

/// `f` applied to every item, on every core; the results come back in the items' order.
///
/// The threads take blocks of [`BLOCK`] items from a shared counter until none is left, so a
/// thread slowed down (by other processes on a busy machine, or by big profiles) takes fewer
/// blocks instead of holding the others up. Used by every stage.
pub fn par_map<T: Sync, R: Send>(items: &[T], f: impl Fn(&T) -> R + Sync) -> Vec<R> {
    par_map_on(std::thread::available_parallelism().map_or(1, |n| n.get()), items, f)
}

/// [`par_map`] on at most `threads` threads: more than the cores for work that waits on the
/// disk rather than the CPU (`emit` flushing files).
pub fn par_map_on<T: Sync, R: Send>(threads: usize, items: &[T], f: impl Fn(&T) -> R + Sync) -> Vec<R> {
    let threads = threads.min(items.len().div_ceil(BLOCK));
    if threads <= 1 {
        return items.iter().map(f).collect();
    }
    let next = AtomicUsize::new(0);
    let work = || {
        let mut done = Vec::new();
        loop {
            let start = next.fetch_add(BLOCK, Ordering::Relaxed);
            if start >= items.len() {
                return done;
            }
            let block = &items[start..items.len().min(start + BLOCK)];
            done.push((start, block.iter().map(&f).collect::<Vec<R>>()));
        }
    };
    let mut blocks: Vec<(usize, Vec<R>)> = std::thread::scope(|scope| {
        let handles: Vec<_> = (0..threads).map(|_| scope.spawn(work)).collect();
        handles.into_iter().flat_map(|h| h.join().expect("a worker thread panicked")).collect()
    });
    blocks.sort_unstable_by_key(|(start, _)| *start);
    blocks.into_iter().flat_map(|(_, results)| results).collect()
}

/// Items a [`par_map`] thread takes at a time: enough to make the shared counter cheap, few
/// enough to balance the threads.
const BLOCK: usize = 16;
