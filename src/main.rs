use clap::Parser;

fn main() {
    let cli = secretgate::cli::Cli::parse();
    let code = match secretgate::cli::run(cli) {
        Ok(code) => code,
        Err(e) => {
            // A closed pipe (`secretgate check | head`) is not an error.
            if e.chain().any(|c| {
                c.downcast_ref::<std::io::Error>().is_some_and(|io| io.kind() == std::io::ErrorKind::BrokenPipe)
            }) {
                0
            } else if let Some(rendered) = e.downcast_ref::<secretgate::cli::Rendered>() {
                eprintln!("{rendered}");
                2
            } else {
                eprintln!("error: {e:#}");
                2
            }
        }
    };
    std::process::exit(code);
}
