//! The `kfprofiles` binary: everything happens in [`kfprofiles::run`].

/// mimalloc instead of the system allocator: rendering and its YAML re-parse allocate millions of
/// short strings from two threads, where glibc's malloc took about half the time (docs/performance.md).
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() {
    std::process::exit(kfprofiles::run(std::env::args_os()));
}
