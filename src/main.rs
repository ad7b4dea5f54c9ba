//! The `kfprofiles` binary: everything happens in [`kfprofiles::run`].

fn main() {
    std::process::exit(kfprofiles::run(std::env::args_os()));
}
