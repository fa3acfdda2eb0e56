//! The `passerelle` command. Everything lives in the library.

fn main() -> std::process::ExitCode {
    passerelle::cli::main()
}
