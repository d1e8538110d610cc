use clap::Parser;

#[tokio::main]
async fn main() {
    let args = mismo_loadsim::args::Args::parse();
    match mismo_loadsim::run(args).await {
        Ok(true) => {}
        Ok(false) => {
            eprintln!("mismo-loadsim: the run had errors or lost copies (see the table)");
            std::process::exit(1);
        }
        Err(e) => {
            eprintln!("mismo-loadsim: {e}");
            std::process::exit(2);
        }
    }
}
