# Print an optspec for argparse to handle cmd's options that are independent of any subcommand.
function __fish_canvass_global_optspecs
    string join \n server= timeout= h/help V/version
end

function __fish_canvass_needs_command
    # Figure out if the current invocation already has a command.
    set -l cmd (commandline -opc)
    set -e cmd[1]
    argparse -s (__fish_canvass_global_optspecs) -- $cmd 2>/dev/null
    or return
    if set -q argv[1]
        # Also print the command, so this can be used to figure out what it is.
        echo $argv[1]
        return 1
    end
    return 0
end

function __fish_canvass_using_subcommand
    set -l cmd (__fish_canvass_needs_command)
    test -z "$cmd"
    and return 1
    contains -- $cmd[1] $argv
end

complete -c canvass -n "__fish_canvass_needs_command" -l server -d 'The canvass server, http://HOST[:PORT] or https://HOST[:PORT][/PATH] [default: the last server logged in to, else http://127.0.0.1:5000]' -r
complete -c canvass -n "__fish_canvass_needs_command" -l timeout -d 'How long to wait for the server to answer, e.g. 10s, 500ms, 2m [default: 10s]' -r
complete -c canvass -n "__fish_canvass_needs_command" -s h -l help -d 'Print help'
complete -c canvass -n "__fish_canvass_needs_command" -s V -l version -d 'Print version'
complete -c canvass -n "__fish_canvass_needs_command" -f -a "serve" -d 'Run the survey server (HTTP API on tiny_http, data in SQLite or PostgreSQL)'
complete -c canvass -n "__fish_canvass_needs_command" -f -a "admin" -d 'Look after a server\'s data: copy it between SQLite and PostgreSQL, back it up, check it, and look after its accounts'
complete -c canvass -n "__fish_canvass_needs_command" -f -a "register" -d 'Create an account on the server, then log in'
complete -c canvass -n "__fish_canvass_needs_command" -f -a "login" -d 'Log in and keep the session token in the OS keyring'
complete -c canvass -n "__fish_canvass_needs_command" -f -a "logout" -d 'Forget this server\'s session token'
complete -c canvass -n "__fish_canvass_needs_command" -f -a "whoami" -d 'Ask the server who the session belongs to'
complete -c canvass -n "__fish_canvass_needs_command" -f -a "status" -d 'Show the server, whether it answers, the user, where the token is kept and when it expires'
complete -c canvass -n "__fish_canvass_needs_command" -f -a "token" -d 'Look at session tokens'
complete -c canvass -n "__fish_canvass_needs_command" -f -a "survey" -d 'Create, answer and read surveys'
complete -c canvass -n "__fish_canvass_needs_command" -f -a "sync" -d 'Send the responses queued while the server was unreachable, then refresh the local copy of every survey'
complete -c canvass -n "__fish_canvass_needs_command" -f -a "outbox" -d 'Look at or empty the responses queued on this machine for `sync`'
complete -c canvass -n "__fish_canvass_needs_command" -f -a "completions" -d 'Print a shell completion script to stdout'
complete -c canvass -n "__fish_canvass_needs_command" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c canvass -n "__fish_canvass_using_subcommand serve" -l addr -d 'Address to listen on; port 0 picks a free port' -r
complete -c canvass -n "__fish_canvass_using_subcommand serve" -l db -d 'Where the data lives: an SQLite file path, or postgres://USER[:PASS]@HOST[:PORT]/DB for PostgreSQL, which several `serve` replicas can share (they then need CANVASS_SECRET) [default: the user data dir\'s canvass/canvass.db]' -r
complete -c canvass -n "__fish_canvass_using_subcommand serve" -l token-ttl -d 'How long issued tokens stay valid, e.g. 90s, 30m, 12h' -r
complete -c canvass -n "__fish_canvass_using_subcommand serve" -l session-max -d 'How long a session lives from its login, however often its token is refreshed; then the user logs in again, e.g. 12h, 30days' -r
complete -c canvass -n "__fish_canvass_using_subcommand serve" -l origins -d 'Allowed CORS origins, comma separated, or * for any' -r
complete -c canvass -n "__fish_canvass_using_subcommand serve" -l threads -d 'Request worker threads [default: 4 per core]' -r
complete -c canvass -n "__fish_canvass_using_subcommand serve" -l login-failures -d 'Failed logins allowed per e-mail within 15 minutes before 429 (ten times as many per client address; see --trusted-proxy for loopback); 0 turns throttling off' -r
complete -c canvass -n "__fish_canvass_using_subcommand serve" -l max-body -d 'Largest accepted request body, in bytes; larger bodies get 413' -r
complete -c canvass -n "__fish_canvass_using_subcommand serve" -l cache-size -d 'Most bytes of finished JSON the reply cache keeps (surveys and the survey list); past it the least recently used answers are dropped' -r
complete -c canvass -n "__fish_canvass_using_subcommand serve" -l listing-limit -d 'Surveys in the seed\'s unpaged `GET /api/surveys/`: the newest this many, and no more than 8 MiB of JSON, oldest first (`?page=` pages through all of them)' -r
complete -c canvass -n "__fish_canvass_using_subcommand serve" -l surveys-per-hour -d 'Surveys one account may create per hour (counted per server process); past it, 429 with Retry-After. 0 turns the limit off' -r
complete -c canvass -n "__fish_canvass_using_subcommand serve" -l max-connections-per-address -d 'Most connections one client address may hold open at once (an IPv6 client: its /64); past it, new connections from that address get 503. Loopback counts like any address; a --trusted-proxy, whose connections carry many clients, is exempt' -r
complete -c canvass -n "__fish_canvass_using_subcommand serve" -l registrations-per-hour -d 'Accounts one client address may register per hour; past it, 429 with Retry-After. 0 turns the limit off' -r
complete -c canvass -n "__fish_canvass_using_subcommand serve" -l trusted-proxy -d 'A reverse proxy in front of the server (repeat, or separate with commas): from it, the client is the rightmost X-Forwarded-For address it did not write itself, and it is exempt from --max-connections-per-address. X-Forwarded-For from any other peer is ignored. Without this, limits per client address leave loopback peers out (they may be an undeclared proxy in front of everyone); with it, loopback counts like any address' -r
complete -c canvass -n "__fish_canvass_using_subcommand serve" -l public-url -d 'The address respondents reach the server at, when it sits behind a reverse proxy (https://survey.example.org): links the server writes, such as an invitation\'s, start with it. Without it they are paths on whatever address the client used' -r
complete -c canvass -n "__fish_canvass_using_subcommand serve" -l metrics-addr -d 'Serve Prometheus metrics at http://ADDR/metrics, on a listener of its own (never on --addr): requests by route template, method and status, their durations, responses recorded, logins by outcome, write batch sizes, database errors, open connections and queued requests. Put it where only the scraper reaches it, e.g. 127.0.0.1:9090; port 0 picks a free port (the `canvass metrics on` line shows it). Off unless given' -r
complete -c canvass -n "__fish_canvass_using_subcommand serve" -l log-format -d 'How stderr\'s log lines are written: text (one readable line per event) or json (one JSON object per line, with timestamp, level and message; a request\'s line has request_id, method, route (its template, never the raw path or query), status and duration_ms)' -r -f -a "text\t''
json\t''"
complete -c canvass -n "__fish_canvass_using_subcommand serve" -l server -r
complete -c canvass -n "__fish_canvass_using_subcommand serve" -l timeout -r
complete -c canvass -n "__fish_canvass_using_subcommand serve" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c canvass -n "__fish_canvass_using_subcommand admin; and not __fish_seen_subcommand_from copy-db backup check users help" -l server -d 'The canvass server, http://HOST[:PORT] or https://HOST[:PORT][/PATH] [default: the last server logged in to, else http://127.0.0.1:5000]' -r
complete -c canvass -n "__fish_canvass_using_subcommand admin; and not __fish_seen_subcommand_from copy-db backup check users help" -l timeout -d 'How long to wait for the server to answer, e.g. 10s, 500ms, 2m [default: 10s]' -r
complete -c canvass -n "__fish_canvass_using_subcommand admin; and not __fish_seen_subcommand_from copy-db backup check users help" -s h -l help -d 'Print help'
complete -c canvass -n "__fish_canvass_using_subcommand admin; and not __fish_seen_subcommand_from copy-db backup check users help" -f -a "copy-db" -d 'Copy an installation into an empty database: SQLite to PostgreSQL, PostgreSQL to SQLite, or either to another of its kind'
complete -c canvass -n "__fish_canvass_using_subcommand admin; and not __fish_seen_subcommand_from copy-db backup check users help" -f -a "backup" -d 'Take a consistent copy of an SQLite installation, also while its server runs and writes, then print its size and the rows of each table'
complete -c canvass -n "__fish_canvass_using_subcommand admin; and not __fish_seen_subcommand_from copy-db backup check users help" -f -a "check" -d 'Check an installation: SQLite\'s integrity check, and that every survey\'s response count and every choice\'s count equal the responses recorded. Exit 1 with the differences, one a line, when there are any'
complete -c canvass -n "__fish_canvass_using_subcommand admin; and not __fish_seen_subcommand_from copy-db backup check users help" -f -a "users" -d 'List, disable, enable, reset the password of, or delete accounts, working on the database directly: no server or login needed. A running server sees each change on its next request (a deleted survey it had cached, within a tenth of a second; other PostgreSQL replicas, within a second)'
complete -c canvass -n "__fish_canvass_using_subcommand admin; and not __fish_seen_subcommand_from copy-db backup check users help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c canvass -n "__fish_canvass_using_subcommand admin; and __fish_seen_subcommand_from copy-db" -l from -d 'The installation to copy: an SQLite file path, or postgres://USER[:PASS]@HOST[:PORT]/DB. Only read (its schema is brought up to date first, as `serve` would)' -r
complete -c canvass -n "__fish_canvass_using_subcommand admin; and __fish_seen_subcommand_from copy-db" -l to -d 'The database to fill, of the same forms: created if it is a missing SQLite file, and refused if it holds any data' -r
complete -c canvass -n "__fish_canvass_using_subcommand admin; and __fish_seen_subcommand_from copy-db" -l server -r
complete -c canvass -n "__fish_canvass_using_subcommand admin; and __fish_seen_subcommand_from copy-db" -l timeout -r
complete -c canvass -n "__fish_canvass_using_subcommand admin; and __fish_seen_subcommand_from copy-db" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c canvass -n "__fish_canvass_using_subcommand admin; and __fish_seen_subcommand_from backup" -l db -d 'The SQLite database file the server uses' -r
complete -c canvass -n "__fish_canvass_using_subcommand admin; and __fish_seen_subcommand_from backup" -l server -r
complete -c canvass -n "__fish_canvass_using_subcommand admin; and __fish_seen_subcommand_from backup" -l timeout -r
complete -c canvass -n "__fish_canvass_using_subcommand admin; and __fish_seen_subcommand_from backup" -l force -d 'Replace OUT if it exists'
complete -c canvass -n "__fish_canvass_using_subcommand admin; and __fish_seen_subcommand_from backup" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c canvass -n "__fish_canvass_using_subcommand admin; and __fish_seen_subcommand_from check" -l db -d 'The installation: an SQLite file path, or postgres://USER[:PASS]@HOST[:PORT]/DB' -r
complete -c canvass -n "__fish_canvass_using_subcommand admin; and __fish_seen_subcommand_from check" -l server -r
complete -c canvass -n "__fish_canvass_using_subcommand admin; and __fish_seen_subcommand_from check" -l timeout -r
complete -c canvass -n "__fish_canvass_using_subcommand admin; and __fish_seen_subcommand_from check" -s h -l help -d 'Print help'
complete -c canvass -n "__fish_canvass_using_subcommand admin; and __fish_seen_subcommand_from users" -l server -d 'The canvass server, http://HOST[:PORT] or https://HOST[:PORT][/PATH] [default: the last server logged in to, else http://127.0.0.1:5000]' -r
complete -c canvass -n "__fish_canvass_using_subcommand admin; and __fish_seen_subcommand_from users" -l timeout -d 'How long to wait for the server to answer, e.g. 10s, 500ms, 2m [default: 10s]' -r
complete -c canvass -n "__fish_canvass_using_subcommand admin; and __fish_seen_subcommand_from users" -s h -l help -d 'Print help'
complete -c canvass -n "__fish_canvass_using_subcommand admin; and __fish_seen_subcommand_from users" -f -a "list" -d 'List every account, oldest first: id, when it was created, how many surveys it created, whether it is disabled, and its e-mail'
complete -c canvass -n "__fish_canvass_using_subcommand admin; and __fish_seen_subcommand_from users" -f -a "disable" -d 'Shut an account out, deleting nothing: its tokens stop working on the next request, and its logins are refused with the same 401 as a wrong password, so nobody learns that the account exists. Disabling a disabled account is fine'
complete -c canvass -n "__fish_canvass_using_subcommand admin; and __fish_seen_subcommand_from users" -f -a "enable" -d 'Let a disabled account log in again. Tokens from before it was disabled stay revoked: the user logs in anew'
complete -c canvass -n "__fish_canvass_using_subcommand admin; and __fish_seen_subcommand_from users" -f -a "reset-password" -d 'Give an account a new password (same rules as registering), and revoke every token issued before, so every session of it ends'
complete -c canvass -n "__fish_canvass_using_subcommand admin; and __fish_seen_subcommand_from users" -f -a "delete" -d 'Delete an account and the surveys it created, with their questions, responses and invitations. Its responses to other people\'s surveys stay, still counted, no longer linked to anyone'
complete -c canvass -n "__fish_canvass_using_subcommand admin; and __fish_seen_subcommand_from users" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c canvass -n "__fish_canvass_using_subcommand admin; and __fish_seen_subcommand_from help" -f -a "copy-db" -d 'Copy an installation into an empty database: SQLite to PostgreSQL, PostgreSQL to SQLite, or either to another of its kind'
complete -c canvass -n "__fish_canvass_using_subcommand admin; and __fish_seen_subcommand_from help" -f -a "backup" -d 'Take a consistent copy of an SQLite installation, also while its server runs and writes, then print its size and the rows of each table'
complete -c canvass -n "__fish_canvass_using_subcommand admin; and __fish_seen_subcommand_from help" -f -a "check" -d 'Check an installation: SQLite\'s integrity check, and that every survey\'s response count and every choice\'s count equal the responses recorded. Exit 1 with the differences, one a line, when there are any'
complete -c canvass -n "__fish_canvass_using_subcommand admin; and __fish_seen_subcommand_from help" -f -a "users" -d 'List, disable, enable, reset the password of, or delete accounts, working on the database directly: no server or login needed. A running server sees each change on its next request (a deleted survey it had cached, within a tenth of a second; other PostgreSQL replicas, within a second)'
complete -c canvass -n "__fish_canvass_using_subcommand admin; and __fish_seen_subcommand_from help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c canvass -n "__fish_canvass_using_subcommand register" -l email -d 'The account\'s e-mail [prompted at a terminal]' -r
complete -c canvass -n "__fish_canvass_using_subcommand register" -l server -d 'The canvass server, http://HOST[:PORT] or https://HOST[:PORT][/PATH] [default: the last server logged in to, else http://127.0.0.1:5000]' -r
complete -c canvass -n "__fish_canvass_using_subcommand register" -l timeout -d 'How long to wait for the server to answer, e.g. 10s, 500ms, 2m [default: 10s]' -r
complete -c canvass -n "__fish_canvass_using_subcommand register" -l password-stdin -d 'Read the password from the first line of stdin instead of prompting'
complete -c canvass -n "__fish_canvass_using_subcommand register" -l json -d 'Print JSON for scripts instead of text for people'
complete -c canvass -n "__fish_canvass_using_subcommand register" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c canvass -n "__fish_canvass_using_subcommand login" -l email -d 'The account\'s e-mail [prompted at a terminal]' -r
complete -c canvass -n "__fish_canvass_using_subcommand login" -l server -d 'The canvass server, http://HOST[:PORT] or https://HOST[:PORT][/PATH] [default: the last server logged in to, else http://127.0.0.1:5000]' -r
complete -c canvass -n "__fish_canvass_using_subcommand login" -l timeout -d 'How long to wait for the server to answer, e.g. 10s, 500ms, 2m [default: 10s]' -r
complete -c canvass -n "__fish_canvass_using_subcommand login" -l password-stdin -d 'Read the password from the first line of stdin instead of prompting'
complete -c canvass -n "__fish_canvass_using_subcommand login" -l json -d 'Print JSON for scripts instead of text for people'
complete -c canvass -n "__fish_canvass_using_subcommand login" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c canvass -n "__fish_canvass_using_subcommand logout" -l server -d 'The canvass server, http://HOST[:PORT] or https://HOST[:PORT][/PATH] [default: the last server logged in to, else http://127.0.0.1:5000]' -r
complete -c canvass -n "__fish_canvass_using_subcommand logout" -l timeout -d 'How long to wait for the server to answer, e.g. 10s, 500ms, 2m [default: 10s]' -r
complete -c canvass -n "__fish_canvass_using_subcommand logout" -l all -d 'First revoke every token of this user on the server, on every machine'
complete -c canvass -n "__fish_canvass_using_subcommand logout" -s h -l help -d 'Print help'
complete -c canvass -n "__fish_canvass_using_subcommand whoami" -l server -d 'The canvass server, http://HOST[:PORT] or https://HOST[:PORT][/PATH] [default: the last server logged in to, else http://127.0.0.1:5000]' -r
complete -c canvass -n "__fish_canvass_using_subcommand whoami" -l timeout -d 'How long to wait for the server to answer, e.g. 10s, 500ms, 2m [default: 10s]' -r
complete -c canvass -n "__fish_canvass_using_subcommand whoami" -l json -d 'Print JSON for scripts instead of text for people'
complete -c canvass -n "__fish_canvass_using_subcommand whoami" -s h -l help -d 'Print help'
complete -c canvass -n "__fish_canvass_using_subcommand status" -l server -d 'The canvass server, http://HOST[:PORT] or https://HOST[:PORT][/PATH] [default: the last server logged in to, else http://127.0.0.1:5000]' -r
complete -c canvass -n "__fish_canvass_using_subcommand status" -l timeout -d 'How long to wait for the server to answer, e.g. 10s, 500ms, 2m [default: 10s]' -r
complete -c canvass -n "__fish_canvass_using_subcommand status" -l json -d 'Print JSON for scripts instead of text for people'
complete -c canvass -n "__fish_canvass_using_subcommand status" -s h -l help -d 'Print help'
complete -c canvass -n "__fish_canvass_using_subcommand token; and not __fish_seen_subcommand_from inspect print help" -l server -d 'The canvass server, http://HOST[:PORT] or https://HOST[:PORT][/PATH] [default: the last server logged in to, else http://127.0.0.1:5000]' -r
complete -c canvass -n "__fish_canvass_using_subcommand token; and not __fish_seen_subcommand_from inspect print help" -l timeout -d 'How long to wait for the server to answer, e.g. 10s, 500ms, 2m [default: 10s]' -r
complete -c canvass -n "__fish_canvass_using_subcommand token; and not __fish_seen_subcommand_from inspect print help" -s h -l help -d 'Print help'
complete -c canvass -n "__fish_canvass_using_subcommand token; and not __fish_seen_subcommand_from inspect print help" -f -a "inspect" -d 'Decode a token without verifying it: header, subject, issue and expiry times'
complete -c canvass -n "__fish_canvass_using_subcommand token; and not __fish_seen_subcommand_from inspect print help" -f -a "print" -d 'Print the session token, for `$(canvass token print)` in scripts'
complete -c canvass -n "__fish_canvass_using_subcommand token; and not __fish_seen_subcommand_from inspect print help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c canvass -n "__fish_canvass_using_subcommand token; and __fish_seen_subcommand_from inspect" -l server -d 'The canvass server, http://HOST[:PORT] or https://HOST[:PORT][/PATH] [default: the last server logged in to, else http://127.0.0.1:5000]' -r
complete -c canvass -n "__fish_canvass_using_subcommand token; and __fish_seen_subcommand_from inspect" -l timeout -d 'How long to wait for the server to answer, e.g. 10s, 500ms, 2m [default: 10s]' -r
complete -c canvass -n "__fish_canvass_using_subcommand token; and __fish_seen_subcommand_from inspect" -l json -d 'Print JSON for scripts instead of text for people'
complete -c canvass -n "__fish_canvass_using_subcommand token; and __fish_seen_subcommand_from inspect" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c canvass -n "__fish_canvass_using_subcommand token; and __fish_seen_subcommand_from print" -l server -d 'The canvass server, http://HOST[:PORT] or https://HOST[:PORT][/PATH] [default: the last server logged in to, else http://127.0.0.1:5000]' -r
complete -c canvass -n "__fish_canvass_using_subcommand token; and __fish_seen_subcommand_from print" -l timeout -d 'How long to wait for the server to answer, e.g. 10s, 500ms, 2m [default: 10s]' -r
complete -c canvass -n "__fish_canvass_using_subcommand token; and __fish_seen_subcommand_from print" -s h -l help -d 'Print help'
complete -c canvass -n "__fish_canvass_using_subcommand token; and __fish_seen_subcommand_from help" -f -a "inspect" -d 'Decode a token without verifying it: header, subject, issue and expiry times'
complete -c canvass -n "__fish_canvass_using_subcommand token; and __fish_seen_subcommand_from help" -f -a "print" -d 'Print the session token, for `$(canvass token print)` in scripts'
complete -c canvass -n "__fish_canvass_using_subcommand token; and __fish_seen_subcommand_from help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c canvass -n "__fish_canvass_using_subcommand survey; and not __fish_seen_subcommand_from list show create respond results export close reopen edit invite invitations share delete drafts edit-draft publish delete-draft help" -l server -d 'The canvass server, http://HOST[:PORT] or https://HOST[:PORT][/PATH] [default: the last server logged in to, else http://127.0.0.1:5000]' -r
complete -c canvass -n "__fish_canvass_using_subcommand survey; and not __fish_seen_subcommand_from list show create respond results export close reopen edit invite invitations share delete drafts edit-draft publish delete-draft help" -l timeout -d 'How long to wait for the server to answer, e.g. 10s, 500ms, 2m [default: 10s]' -r
complete -c canvass -n "__fish_canvass_using_subcommand survey; and not __fish_seen_subcommand_from list show create respond results export close reopen edit invite invitations share delete drafts edit-draft publish delete-draft help" -s h -l help -d 'Print help'
complete -c canvass -n "__fish_canvass_using_subcommand survey; and not __fish_seen_subcommand_from list show create respond results export close reopen edit invite invitations share delete drafts edit-draft publish delete-draft help" -f -a "list" -d 'List surveys: id, name, questions, responses, status, created, creator'
complete -c canvass -n "__fish_canvass_using_subcommand survey; and not __fish_seen_subcommand_from list show create respond results export close reopen edit invite invitations share delete drafts edit-draft publish delete-draft help" -f -a "show" -d 'Show a survey: its questions numbered 1…n and their choices 1…m, as `respond --answer` takes them'
complete -c canvass -n "__fish_canvass_using_subcommand survey; and not __fish_seen_subcommand_from list show create respond results export close reopen edit invite invitations share delete drafts edit-draft publish delete-draft help" -f -a "create" -d 'Create a survey: a wizard at a terminal, or --file for scripts'
complete -c canvass -n "__fish_canvass_using_subcommand survey; and not __fish_seen_subcommand_from list show create respond results export close reopen edit invite invitations share delete drafts edit-draft publish delete-draft help" -f -a "respond" -d 'Answer a survey: prompts at a terminal, or --answer / --answers for scripts'
complete -c canvass -n "__fish_canvass_using_subcommand survey; and not __fish_seen_subcommand_from list show create respond results export close reopen edit invite invitations share delete drafts edit-draft publish delete-draft help" -f -a "results" -d 'Counts and percentages per choice, as bars, and the text answers'
complete -c canvass -n "__fish_canvass_using_subcommand survey; and not __fish_seen_subcommand_from list show create respond results export close reopen edit invite invitations share delete drafts edit-draft publish delete-draft help" -f -a "export" -d 'Download every response to your survey, as CSV (one row per response, one column per question) or JSON'
complete -c canvass -n "__fish_canvass_using_subcommand survey; and not __fish_seen_subcommand_from list show create respond results export close reopen edit invite invitations share delete drafts edit-draft publish delete-draft help" -f -a "close" -d 'Close your survey: no more responses are taken'
complete -c canvass -n "__fish_canvass_using_subcommand survey; and not __fish_seen_subcommand_from list show create respond results export close reopen edit invite invitations share delete drafts edit-draft publish delete-draft help" -f -a "reopen" -d 'Reopen your closed survey, if its closing time has not passed and its cap is not reached'
complete -c canvass -n "__fish_canvass_using_subcommand survey; and not __fish_seen_subcommand_from list show create respond results export close reopen edit invite invitations share delete drafts edit-draft publish delete-draft help" -f -a "edit" -d 'Change your survey: the wizard reopened on its current values, or --file'
complete -c canvass -n "__fish_canvass_using_subcommand survey; and not __fish_seen_subcommand_from list show create respond results export close reopen edit invite invitations share delete drafts edit-draft publish delete-draft help" -f -a "invite" -d 'Make single-use invitation codes for your invitation-only survey, with their links'
complete -c canvass -n "__fish_canvass_using_subcommand survey; and not __fish_seen_subcommand_from list show create respond results export close reopen edit invite invitations share delete drafts edit-draft publish delete-draft help" -f -a "invitations" -d 'List your survey\'s invitations: each code\'s first characters, when it was made, and whether it was used'
complete -c canvass -n "__fish_canvass_using_subcommand survey; and not __fish_seen_subcommand_from list show create respond results export close reopen edit invite invitations share delete drafts edit-draft publish delete-draft help" -f -a "share" -d 'The link respondents open in a browser to answer the survey (--qr draws it as a QR code in the terminal)'
complete -c canvass -n "__fish_canvass_using_subcommand survey; and not __fish_seen_subcommand_from list show create respond results export close reopen edit invite invitations share delete drafts edit-draft publish delete-draft help" -f -a "delete" -d 'Delete your survey and all its responses'
complete -c canvass -n "__fish_canvass_using_subcommand survey; and not __fish_seen_subcommand_from list show create respond results export close reopen edit invite invitations share delete drafts edit-draft publish delete-draft help" -f -a "drafts" -d 'List the drafts kept on this machine'
complete -c canvass -n "__fish_canvass_using_subcommand survey; and not __fish_seen_subcommand_from list show create respond results export close reopen edit invite invitations share delete drafts edit-draft publish delete-draft help" -f -a "edit-draft" -d 'Reopen a draft in the wizard, or replace it with --file'
complete -c canvass -n "__fish_canvass_using_subcommand survey; and not __fish_seen_subcommand_from list show create respond results export close reopen edit invite invitations share delete drafts edit-draft publish delete-draft help" -f -a "publish" -d 'Send a draft to the server as a new survey; the draft is then forgotten'
complete -c canvass -n "__fish_canvass_using_subcommand survey; and not __fish_seen_subcommand_from list show create respond results export close reopen edit invite invitations share delete drafts edit-draft publish delete-draft help" -f -a "delete-draft" -d 'Throw a draft away'
complete -c canvass -n "__fish_canvass_using_subcommand survey; and not __fish_seen_subcommand_from list show create respond results export close reopen edit invite invitations share delete drafts edit-draft publish delete-draft help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c canvass -n "__fish_canvass_using_subcommand survey; and __fish_seen_subcommand_from list" -l page -d 'Show this page only (50 surveys a page; the first is 1) [default: every page]' -r
complete -c canvass -n "__fish_canvass_using_subcommand survey; and __fish_seen_subcommand_from list" -l server -d 'The canvass server, http://HOST[:PORT] or https://HOST[:PORT][/PATH] [default: the last server logged in to, else http://127.0.0.1:5000]' -r
complete -c canvass -n "__fish_canvass_using_subcommand survey; and __fish_seen_subcommand_from list" -l timeout -d 'How long to wait for the server to answer, e.g. 10s, 500ms, 2m [default: 10s]' -r
complete -c canvass -n "__fish_canvass_using_subcommand survey; and __fish_seen_subcommand_from list" -l mine -d 'Only the surveys you created'
complete -c canvass -n "__fish_canvass_using_subcommand survey; and __fish_seen_subcommand_from list" -l json -d 'Print JSON for scripts instead of text for people'
complete -c canvass -n "__fish_canvass_using_subcommand survey; and __fish_seen_subcommand_from list" -s h -l help -d 'Print help'
complete -c canvass -n "__fish_canvass_using_subcommand survey; and __fish_seen_subcommand_from show" -l server -d 'The canvass server, http://HOST[:PORT] or https://HOST[:PORT][/PATH] [default: the last server logged in to, else http://127.0.0.1:5000]' -r
complete -c canvass -n "__fish_canvass_using_subcommand survey; and __fish_seen_subcommand_from show" -l timeout -d 'How long to wait for the server to answer, e.g. 10s, 500ms, 2m [default: 10s]' -r
complete -c canvass -n "__fish_canvass_using_subcommand survey; and __fish_seen_subcommand_from show" -l json -d 'Print JSON for scripts instead of text for people'
complete -c canvass -n "__fish_canvass_using_subcommand survey; and __fish_seen_subcommand_from show" -s h -l help -d 'Print help'
complete -c canvass -n "__fish_canvass_using_subcommand survey; and __fish_seen_subcommand_from create" -l file -d 'Read the survey from this JSON file, or - for stdin, instead of asking' -r -F
complete -c canvass -n "__fish_canvass_using_subcommand survey; and __fish_seen_subcommand_from create" -l server -d 'The canvass server, http://HOST[:PORT] or https://HOST[:PORT][/PATH] [default: the last server logged in to, else http://127.0.0.1:5000]' -r
complete -c canvass -n "__fish_canvass_using_subcommand survey; and __fish_seen_subcommand_from create" -l timeout -d 'How long to wait for the server to answer, e.g. 10s, 500ms, 2m [default: 10s]' -r
complete -c canvass -n "__fish_canvass_using_subcommand survey; and __fish_seen_subcommand_from create" -l draft -d 'Keep the survey on this machine as a draft instead of sending it; `survey publish` sends it later. Needs no server'
complete -c canvass -n "__fish_canvass_using_subcommand survey; and __fish_seen_subcommand_from create" -l json -d 'Print JSON for scripts instead of text for people'
complete -c canvass -n "__fish_canvass_using_subcommand survey; and __fish_seen_subcommand_from create" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c canvass -n "__fish_canvass_using_subcommand survey; and __fish_seen_subcommand_from respond" -l answer -d 'An answer by the positions `show` prints: question=choice, question=choice,choice for a multiple-choice question, or question=text for a text question. Repeatable: --answer 1=2 --answer 2=1,3 --answer 3="free text"' -r
complete -c canvass -n "__fish_canvass_using_subcommand survey; and __fish_seen_subcommand_from respond" -l answers -d 'Read the answers from this JSON file, or - for stdin, numbered as `show` prints them: {"<question>": <choice> | [choices] | "text"}, e.g. {"1": 2, "2": [1, 3], "3": "free text"}. With --by-id, keys and choices are the server\'s ids instead' -r -F
complete -c canvass -n "__fish_canvass_using_subcommand survey; and __fish_seen_subcommand_from respond" -l invitation -d 'The single-use invitation code an invitation-only survey needs [prompted at a terminal when the survey needs one]' -r
complete -c canvass -n "__fish_canvass_using_subcommand survey; and __fish_seen_subcommand_from respond" -l server -d 'The canvass server, http://HOST[:PORT] or https://HOST[:PORT][/PATH] [default: the last server logged in to, else http://127.0.0.1:5000]' -r
complete -c canvass -n "__fish_canvass_using_subcommand survey; and __fish_seen_subcommand_from respond" -l timeout -d 'How long to wait for the server to answer, e.g. 10s, 500ms, 2m [default: 10s]' -r
complete -c canvass -n "__fish_canvass_using_subcommand survey; and __fish_seen_subcommand_from respond" -l by-id -d 'Read --answers keys as question ids and its choices as choice ids (as `show --json` and the API give them), not as positions'
complete -c canvass -n "__fish_canvass_using_subcommand survey; and __fish_seen_subcommand_from respond" -l yes -d 'Submit without the confirmation question'
complete -c canvass -n "__fish_canvass_using_subcommand survey; and __fish_seen_subcommand_from respond" -l json -d 'Print JSON for scripts instead of text for people'
complete -c canvass -n "__fish_canvass_using_subcommand survey; and __fish_seen_subcommand_from respond" -s h -l help -d 'Print help'
complete -c canvass -n "__fish_canvass_using_subcommand survey; and __fish_seen_subcommand_from results" -l server -d 'The canvass server, http://HOST[:PORT] or https://HOST[:PORT][/PATH] [default: the last server logged in to, else http://127.0.0.1:5000]' -r
complete -c canvass -n "__fish_canvass_using_subcommand survey; and __fish_seen_subcommand_from results" -l timeout -d 'How long to wait for the server to answer, e.g. 10s, 500ms, 2m [default: 10s]' -r
complete -c canvass -n "__fish_canvass_using_subcommand survey; and __fish_seen_subcommand_from results" -l json -d 'Print JSON for scripts instead of text for people'
complete -c canvass -n "__fish_canvass_using_subcommand survey; and __fish_seen_subcommand_from results" -s h -l help -d 'Print help'
complete -c canvass -n "__fish_canvass_using_subcommand survey; and __fish_seen_subcommand_from export" -l format -r -f -a "csv\t''
json\t''"
complete -c canvass -n "__fish_canvass_using_subcommand survey; and __fish_seen_subcommand_from export" -s o -l output -d 'Write to this file instead of stdout' -r -F
complete -c canvass -n "__fish_canvass_using_subcommand survey; and __fish_seen_subcommand_from export" -l server -d 'The canvass server, http://HOST[:PORT] or https://HOST[:PORT][/PATH] [default: the last server logged in to, else http://127.0.0.1:5000]' -r
complete -c canvass -n "__fish_canvass_using_subcommand survey; and __fish_seen_subcommand_from export" -l timeout -d 'How long to wait for the server to answer, e.g. 10s, 500ms, 2m [default: 10s]' -r
complete -c canvass -n "__fish_canvass_using_subcommand survey; and __fish_seen_subcommand_from export" -s h -l help -d 'Print help'
complete -c canvass -n "__fish_canvass_using_subcommand survey; and __fish_seen_subcommand_from close" -l server -d 'The canvass server, http://HOST[:PORT] or https://HOST[:PORT][/PATH] [default: the last server logged in to, else http://127.0.0.1:5000]' -r
complete -c canvass -n "__fish_canvass_using_subcommand survey; and __fish_seen_subcommand_from close" -l timeout -d 'How long to wait for the server to answer, e.g. 10s, 500ms, 2m [default: 10s]' -r
complete -c canvass -n "__fish_canvass_using_subcommand survey; and __fish_seen_subcommand_from close" -s h -l help -d 'Print help'
complete -c canvass -n "__fish_canvass_using_subcommand survey; and __fish_seen_subcommand_from reopen" -l server -d 'The canvass server, http://HOST[:PORT] or https://HOST[:PORT][/PATH] [default: the last server logged in to, else http://127.0.0.1:5000]' -r
complete -c canvass -n "__fish_canvass_using_subcommand survey; and __fish_seen_subcommand_from reopen" -l timeout -d 'How long to wait for the server to answer, e.g. 10s, 500ms, 2m [default: 10s]' -r
complete -c canvass -n "__fish_canvass_using_subcommand survey; and __fish_seen_subcommand_from reopen" -s h -l help -d 'Print help'
complete -c canvass -n "__fish_canvass_using_subcommand survey; and __fish_seen_subcommand_from edit" -l file -d 'Change what this JSON file (or - for stdin) gives, with the keys of `survey create --file`, instead of the wizard; `null` clears opens_at, closes_at or max_responses' -r -F
complete -c canvass -n "__fish_canvass_using_subcommand survey; and __fish_seen_subcommand_from edit" -l server -d 'The canvass server, http://HOST[:PORT] or https://HOST[:PORT][/PATH] [default: the last server logged in to, else http://127.0.0.1:5000]' -r
complete -c canvass -n "__fish_canvass_using_subcommand survey; and __fish_seen_subcommand_from edit" -l timeout -d 'How long to wait for the server to answer, e.g. 10s, 500ms, 2m [default: 10s]' -r
complete -c canvass -n "__fish_canvass_using_subcommand survey; and __fish_seen_subcommand_from edit" -l json -d 'Print JSON for scripts instead of text for people'
complete -c canvass -n "__fish_canvass_using_subcommand survey; and __fish_seen_subcommand_from edit" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c canvass -n "__fish_canvass_using_subcommand survey; and __fish_seen_subcommand_from invite" -l count -d 'How many codes to make (1 to 10000)' -r
complete -c canvass -n "__fish_canvass_using_subcommand survey; and __fish_seen_subcommand_from invite" -l server -d 'The canvass server, http://HOST[:PORT] or https://HOST[:PORT][/PATH] [default: the last server logged in to, else http://127.0.0.1:5000]' -r
complete -c canvass -n "__fish_canvass_using_subcommand survey; and __fish_seen_subcommand_from invite" -l timeout -d 'How long to wait for the server to answer, e.g. 10s, 500ms, 2m [default: 10s]' -r
complete -c canvass -n "__fish_canvass_using_subcommand survey; and __fish_seen_subcommand_from invite" -l json -d 'Print JSON for scripts instead of text for people'
complete -c canvass -n "__fish_canvass_using_subcommand survey; and __fish_seen_subcommand_from invite" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c canvass -n "__fish_canvass_using_subcommand survey; and __fish_seen_subcommand_from invitations" -l server -d 'The canvass server, http://HOST[:PORT] or https://HOST[:PORT][/PATH] [default: the last server logged in to, else http://127.0.0.1:5000]' -r
complete -c canvass -n "__fish_canvass_using_subcommand survey; and __fish_seen_subcommand_from invitations" -l timeout -d 'How long to wait for the server to answer, e.g. 10s, 500ms, 2m [default: 10s]' -r
complete -c canvass -n "__fish_canvass_using_subcommand survey; and __fish_seen_subcommand_from invitations" -l json -d 'Print JSON for scripts instead of text for people'
complete -c canvass -n "__fish_canvass_using_subcommand survey; and __fish_seen_subcommand_from invitations" -s h -l help -d 'Print help'
complete -c canvass -n "__fish_canvass_using_subcommand survey; and __fish_seen_subcommand_from share" -l server -d 'The canvass server, http://HOST[:PORT] or https://HOST[:PORT][/PATH] [default: the last server logged in to, else http://127.0.0.1:5000]' -r
complete -c canvass -n "__fish_canvass_using_subcommand survey; and __fish_seen_subcommand_from share" -l timeout -d 'How long to wait for the server to answer, e.g. 10s, 500ms, 2m [default: 10s]' -r
complete -c canvass -n "__fish_canvass_using_subcommand survey; and __fish_seen_subcommand_from share" -l qr -d 'Also draw the link as a QR code, for a phone\'s camera'
complete -c canvass -n "__fish_canvass_using_subcommand survey; and __fish_seen_subcommand_from share" -l json -d 'Print JSON for scripts instead of text for people'
complete -c canvass -n "__fish_canvass_using_subcommand survey; and __fish_seen_subcommand_from share" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c canvass -n "__fish_canvass_using_subcommand survey; and __fish_seen_subcommand_from delete" -l server -d 'The canvass server, http://HOST[:PORT] or https://HOST[:PORT][/PATH] [default: the last server logged in to, else http://127.0.0.1:5000]' -r
complete -c canvass -n "__fish_canvass_using_subcommand survey; and __fish_seen_subcommand_from delete" -l timeout -d 'How long to wait for the server to answer, e.g. 10s, 500ms, 2m [default: 10s]' -r
complete -c canvass -n "__fish_canvass_using_subcommand survey; and __fish_seen_subcommand_from delete" -l yes -d 'Delete without asking; needed when stdin is not a terminal'
complete -c canvass -n "__fish_canvass_using_subcommand survey; and __fish_seen_subcommand_from delete" -s h -l help -d 'Print help'
complete -c canvass -n "__fish_canvass_using_subcommand survey; and __fish_seen_subcommand_from drafts" -l server -d 'The canvass server, http://HOST[:PORT] or https://HOST[:PORT][/PATH] [default: the last server logged in to, else http://127.0.0.1:5000]' -r
complete -c canvass -n "__fish_canvass_using_subcommand survey; and __fish_seen_subcommand_from drafts" -l timeout -d 'How long to wait for the server to answer, e.g. 10s, 500ms, 2m [default: 10s]' -r
complete -c canvass -n "__fish_canvass_using_subcommand survey; and __fish_seen_subcommand_from drafts" -l json -d 'Print JSON for scripts instead of text for people'
complete -c canvass -n "__fish_canvass_using_subcommand survey; and __fish_seen_subcommand_from drafts" -s h -l help -d 'Print help'
complete -c canvass -n "__fish_canvass_using_subcommand survey; and __fish_seen_subcommand_from edit-draft" -l file -d 'Replace the draft with this JSON file (or - for stdin) instead of the wizard' -r -F
complete -c canvass -n "__fish_canvass_using_subcommand survey; and __fish_seen_subcommand_from edit-draft" -l server -d 'The canvass server, http://HOST[:PORT] or https://HOST[:PORT][/PATH] [default: the last server logged in to, else http://127.0.0.1:5000]' -r
complete -c canvass -n "__fish_canvass_using_subcommand survey; and __fish_seen_subcommand_from edit-draft" -l timeout -d 'How long to wait for the server to answer, e.g. 10s, 500ms, 2m [default: 10s]' -r
complete -c canvass -n "__fish_canvass_using_subcommand survey; and __fish_seen_subcommand_from edit-draft" -s h -l help -d 'Print help'
complete -c canvass -n "__fish_canvass_using_subcommand survey; and __fish_seen_subcommand_from publish" -l server -d 'The canvass server, http://HOST[:PORT] or https://HOST[:PORT][/PATH] [default: the last server logged in to, else http://127.0.0.1:5000]' -r
complete -c canvass -n "__fish_canvass_using_subcommand survey; and __fish_seen_subcommand_from publish" -l timeout -d 'How long to wait for the server to answer, e.g. 10s, 500ms, 2m [default: 10s]' -r
complete -c canvass -n "__fish_canvass_using_subcommand survey; and __fish_seen_subcommand_from publish" -l json -d 'Print JSON for scripts instead of text for people'
complete -c canvass -n "__fish_canvass_using_subcommand survey; and __fish_seen_subcommand_from publish" -s h -l help -d 'Print help'
complete -c canvass -n "__fish_canvass_using_subcommand survey; and __fish_seen_subcommand_from delete-draft" -l server -d 'The canvass server, http://HOST[:PORT] or https://HOST[:PORT][/PATH] [default: the last server logged in to, else http://127.0.0.1:5000]' -r
complete -c canvass -n "__fish_canvass_using_subcommand survey; and __fish_seen_subcommand_from delete-draft" -l timeout -d 'How long to wait for the server to answer, e.g. 10s, 500ms, 2m [default: 10s]' -r
complete -c canvass -n "__fish_canvass_using_subcommand survey; and __fish_seen_subcommand_from delete-draft" -s h -l help -d 'Print help'
complete -c canvass -n "__fish_canvass_using_subcommand survey; and __fish_seen_subcommand_from help" -f -a "list" -d 'List surveys: id, name, questions, responses, status, created, creator'
complete -c canvass -n "__fish_canvass_using_subcommand survey; and __fish_seen_subcommand_from help" -f -a "show" -d 'Show a survey: its questions numbered 1…n and their choices 1…m, as `respond --answer` takes them'
complete -c canvass -n "__fish_canvass_using_subcommand survey; and __fish_seen_subcommand_from help" -f -a "create" -d 'Create a survey: a wizard at a terminal, or --file for scripts'
complete -c canvass -n "__fish_canvass_using_subcommand survey; and __fish_seen_subcommand_from help" -f -a "respond" -d 'Answer a survey: prompts at a terminal, or --answer / --answers for scripts'
complete -c canvass -n "__fish_canvass_using_subcommand survey; and __fish_seen_subcommand_from help" -f -a "results" -d 'Counts and percentages per choice, as bars, and the text answers'
complete -c canvass -n "__fish_canvass_using_subcommand survey; and __fish_seen_subcommand_from help" -f -a "export" -d 'Download every response to your survey, as CSV (one row per response, one column per question) or JSON'
complete -c canvass -n "__fish_canvass_using_subcommand survey; and __fish_seen_subcommand_from help" -f -a "close" -d 'Close your survey: no more responses are taken'
complete -c canvass -n "__fish_canvass_using_subcommand survey; and __fish_seen_subcommand_from help" -f -a "reopen" -d 'Reopen your closed survey, if its closing time has not passed and its cap is not reached'
complete -c canvass -n "__fish_canvass_using_subcommand survey; and __fish_seen_subcommand_from help" -f -a "edit" -d 'Change your survey: the wizard reopened on its current values, or --file'
complete -c canvass -n "__fish_canvass_using_subcommand survey; and __fish_seen_subcommand_from help" -f -a "invite" -d 'Make single-use invitation codes for your invitation-only survey, with their links'
complete -c canvass -n "__fish_canvass_using_subcommand survey; and __fish_seen_subcommand_from help" -f -a "invitations" -d 'List your survey\'s invitations: each code\'s first characters, when it was made, and whether it was used'
complete -c canvass -n "__fish_canvass_using_subcommand survey; and __fish_seen_subcommand_from help" -f -a "share" -d 'The link respondents open in a browser to answer the survey (--qr draws it as a QR code in the terminal)'
complete -c canvass -n "__fish_canvass_using_subcommand survey; and __fish_seen_subcommand_from help" -f -a "delete" -d 'Delete your survey and all its responses'
complete -c canvass -n "__fish_canvass_using_subcommand survey; and __fish_seen_subcommand_from help" -f -a "drafts" -d 'List the drafts kept on this machine'
complete -c canvass -n "__fish_canvass_using_subcommand survey; and __fish_seen_subcommand_from help" -f -a "edit-draft" -d 'Reopen a draft in the wizard, or replace it with --file'
complete -c canvass -n "__fish_canvass_using_subcommand survey; and __fish_seen_subcommand_from help" -f -a "publish" -d 'Send a draft to the server as a new survey; the draft is then forgotten'
complete -c canvass -n "__fish_canvass_using_subcommand survey; and __fish_seen_subcommand_from help" -f -a "delete-draft" -d 'Throw a draft away'
complete -c canvass -n "__fish_canvass_using_subcommand survey; and __fish_seen_subcommand_from help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c canvass -n "__fish_canvass_using_subcommand sync" -l server -d 'The canvass server, http://HOST[:PORT] or https://HOST[:PORT][/PATH] [default: the last server logged in to, else http://127.0.0.1:5000]' -r
complete -c canvass -n "__fish_canvass_using_subcommand sync" -l timeout -d 'How long to wait for the server to answer, e.g. 10s, 500ms, 2m [default: 10s]' -r
complete -c canvass -n "__fish_canvass_using_subcommand sync" -l json -d 'Print JSON for scripts instead of text for people'
complete -c canvass -n "__fish_canvass_using_subcommand sync" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c canvass -n "__fish_canvass_using_subcommand outbox; and not __fish_seen_subcommand_from list drop help" -l server -d 'The canvass server, http://HOST[:PORT] or https://HOST[:PORT][/PATH] [default: the last server logged in to, else http://127.0.0.1:5000]' -r
complete -c canvass -n "__fish_canvass_using_subcommand outbox; and not __fish_seen_subcommand_from list drop help" -l timeout -d 'How long to wait for the server to answer, e.g. 10s, 500ms, 2m [default: 10s]' -r
complete -c canvass -n "__fish_canvass_using_subcommand outbox; and not __fish_seen_subcommand_from list drop help" -s h -l help -d 'Print help'
complete -c canvass -n "__fish_canvass_using_subcommand outbox; and not __fish_seen_subcommand_from list drop help" -f -a "list" -d 'The queued responses, oldest first: number, survey, when queued, and why the server refused it if it did'
complete -c canvass -n "__fish_canvass_using_subcommand outbox; and not __fish_seen_subcommand_from list drop help" -f -a "drop" -d 'Throw queued responses away, unsent'
complete -c canvass -n "__fish_canvass_using_subcommand outbox; and not __fish_seen_subcommand_from list drop help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c canvass -n "__fish_canvass_using_subcommand outbox; and __fish_seen_subcommand_from list" -l server -d 'The canvass server, http://HOST[:PORT] or https://HOST[:PORT][/PATH] [default: the last server logged in to, else http://127.0.0.1:5000]' -r
complete -c canvass -n "__fish_canvass_using_subcommand outbox; and __fish_seen_subcommand_from list" -l timeout -d 'How long to wait for the server to answer, e.g. 10s, 500ms, 2m [default: 10s]' -r
complete -c canvass -n "__fish_canvass_using_subcommand outbox; and __fish_seen_subcommand_from list" -l json -d 'Print JSON for scripts instead of text for people'
complete -c canvass -n "__fish_canvass_using_subcommand outbox; and __fish_seen_subcommand_from list" -s h -l help -d 'Print help'
complete -c canvass -n "__fish_canvass_using_subcommand outbox; and __fish_seen_subcommand_from drop" -l server -d 'The canvass server, http://HOST[:PORT] or https://HOST[:PORT][/PATH] [default: the last server logged in to, else http://127.0.0.1:5000]' -r
complete -c canvass -n "__fish_canvass_using_subcommand outbox; and __fish_seen_subcommand_from drop" -l timeout -d 'How long to wait for the server to answer, e.g. 10s, 500ms, 2m [default: 10s]' -r
complete -c canvass -n "__fish_canvass_using_subcommand outbox; and __fish_seen_subcommand_from drop" -l all -d 'Every queued response'
complete -c canvass -n "__fish_canvass_using_subcommand outbox; and __fish_seen_subcommand_from drop" -l yes -d 'Drop without asking; needed when stdin is not a terminal'
complete -c canvass -n "__fish_canvass_using_subcommand outbox; and __fish_seen_subcommand_from drop" -s h -l help -d 'Print help'
complete -c canvass -n "__fish_canvass_using_subcommand outbox; and __fish_seen_subcommand_from help" -f -a "list" -d 'The queued responses, oldest first: number, survey, when queued, and why the server refused it if it did'
complete -c canvass -n "__fish_canvass_using_subcommand outbox; and __fish_seen_subcommand_from help" -f -a "drop" -d 'Throw queued responses away, unsent'
complete -c canvass -n "__fish_canvass_using_subcommand outbox; and __fish_seen_subcommand_from help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c canvass -n "__fish_canvass_using_subcommand completions" -l server -d 'The canvass server, http://HOST[:PORT] or https://HOST[:PORT][/PATH] [default: the last server logged in to, else http://127.0.0.1:5000]' -r
complete -c canvass -n "__fish_canvass_using_subcommand completions" -l timeout -d 'How long to wait for the server to answer, e.g. 10s, 500ms, 2m [default: 10s]' -r
complete -c canvass -n "__fish_canvass_using_subcommand completions" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c canvass -n "__fish_canvass_using_subcommand help; and not __fish_seen_subcommand_from serve admin register login logout whoami status token survey sync outbox completions help" -f -a "serve" -d 'Run the survey server (HTTP API on tiny_http, data in SQLite or PostgreSQL)'
complete -c canvass -n "__fish_canvass_using_subcommand help; and not __fish_seen_subcommand_from serve admin register login logout whoami status token survey sync outbox completions help" -f -a "admin" -d 'Look after a server\'s data: copy it between SQLite and PostgreSQL, back it up, check it, and look after its accounts'
complete -c canvass -n "__fish_canvass_using_subcommand help; and not __fish_seen_subcommand_from serve admin register login logout whoami status token survey sync outbox completions help" -f -a "register" -d 'Create an account on the server, then log in'
complete -c canvass -n "__fish_canvass_using_subcommand help; and not __fish_seen_subcommand_from serve admin register login logout whoami status token survey sync outbox completions help" -f -a "login" -d 'Log in and keep the session token in the OS keyring'
complete -c canvass -n "__fish_canvass_using_subcommand help; and not __fish_seen_subcommand_from serve admin register login logout whoami status token survey sync outbox completions help" -f -a "logout" -d 'Forget this server\'s session token'
complete -c canvass -n "__fish_canvass_using_subcommand help; and not __fish_seen_subcommand_from serve admin register login logout whoami status token survey sync outbox completions help" -f -a "whoami" -d 'Ask the server who the session belongs to'
complete -c canvass -n "__fish_canvass_using_subcommand help; and not __fish_seen_subcommand_from serve admin register login logout whoami status token survey sync outbox completions help" -f -a "status" -d 'Show the server, whether it answers, the user, where the token is kept and when it expires'
complete -c canvass -n "__fish_canvass_using_subcommand help; and not __fish_seen_subcommand_from serve admin register login logout whoami status token survey sync outbox completions help" -f -a "token" -d 'Look at session tokens'
complete -c canvass -n "__fish_canvass_using_subcommand help; and not __fish_seen_subcommand_from serve admin register login logout whoami status token survey sync outbox completions help" -f -a "survey" -d 'Create, answer and read surveys'
complete -c canvass -n "__fish_canvass_using_subcommand help; and not __fish_seen_subcommand_from serve admin register login logout whoami status token survey sync outbox completions help" -f -a "sync" -d 'Send the responses queued while the server was unreachable, then refresh the local copy of every survey'
complete -c canvass -n "__fish_canvass_using_subcommand help; and not __fish_seen_subcommand_from serve admin register login logout whoami status token survey sync outbox completions help" -f -a "outbox" -d 'Look at or empty the responses queued on this machine for `sync`'
complete -c canvass -n "__fish_canvass_using_subcommand help; and not __fish_seen_subcommand_from serve admin register login logout whoami status token survey sync outbox completions help" -f -a "completions" -d 'Print a shell completion script to stdout'
complete -c canvass -n "__fish_canvass_using_subcommand help; and not __fish_seen_subcommand_from serve admin register login logout whoami status token survey sync outbox completions help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c canvass -n "__fish_canvass_using_subcommand help; and __fish_seen_subcommand_from admin" -f -a "copy-db" -d 'Copy an installation into an empty database: SQLite to PostgreSQL, PostgreSQL to SQLite, or either to another of its kind'
complete -c canvass -n "__fish_canvass_using_subcommand help; and __fish_seen_subcommand_from admin" -f -a "backup" -d 'Take a consistent copy of an SQLite installation, also while its server runs and writes, then print its size and the rows of each table'
complete -c canvass -n "__fish_canvass_using_subcommand help; and __fish_seen_subcommand_from admin" -f -a "check" -d 'Check an installation: SQLite\'s integrity check, and that every survey\'s response count and every choice\'s count equal the responses recorded. Exit 1 with the differences, one a line, when there are any'
complete -c canvass -n "__fish_canvass_using_subcommand help; and __fish_seen_subcommand_from admin" -f -a "users" -d 'List, disable, enable, reset the password of, or delete accounts, working on the database directly: no server or login needed. A running server sees each change on its next request (a deleted survey it had cached, within a tenth of a second; other PostgreSQL replicas, within a second)'
complete -c canvass -n "__fish_canvass_using_subcommand help; and __fish_seen_subcommand_from token" -f -a "inspect" -d 'Decode a token without verifying it: header, subject, issue and expiry times'
complete -c canvass -n "__fish_canvass_using_subcommand help; and __fish_seen_subcommand_from token" -f -a "print" -d 'Print the session token, for `$(canvass token print)` in scripts'
complete -c canvass -n "__fish_canvass_using_subcommand help; and __fish_seen_subcommand_from survey" -f -a "list" -d 'List surveys: id, name, questions, responses, status, created, creator'
complete -c canvass -n "__fish_canvass_using_subcommand help; and __fish_seen_subcommand_from survey" -f -a "show" -d 'Show a survey: its questions numbered 1…n and their choices 1…m, as `respond --answer` takes them'
complete -c canvass -n "__fish_canvass_using_subcommand help; and __fish_seen_subcommand_from survey" -f -a "create" -d 'Create a survey: a wizard at a terminal, or --file for scripts'
complete -c canvass -n "__fish_canvass_using_subcommand help; and __fish_seen_subcommand_from survey" -f -a "respond" -d 'Answer a survey: prompts at a terminal, or --answer / --answers for scripts'
complete -c canvass -n "__fish_canvass_using_subcommand help; and __fish_seen_subcommand_from survey" -f -a "results" -d 'Counts and percentages per choice, as bars, and the text answers'
complete -c canvass -n "__fish_canvass_using_subcommand help; and __fish_seen_subcommand_from survey" -f -a "export" -d 'Download every response to your survey, as CSV (one row per response, one column per question) or JSON'
complete -c canvass -n "__fish_canvass_using_subcommand help; and __fish_seen_subcommand_from survey" -f -a "close" -d 'Close your survey: no more responses are taken'
complete -c canvass -n "__fish_canvass_using_subcommand help; and __fish_seen_subcommand_from survey" -f -a "reopen" -d 'Reopen your closed survey, if its closing time has not passed and its cap is not reached'
complete -c canvass -n "__fish_canvass_using_subcommand help; and __fish_seen_subcommand_from survey" -f -a "edit" -d 'Change your survey: the wizard reopened on its current values, or --file'
complete -c canvass -n "__fish_canvass_using_subcommand help; and __fish_seen_subcommand_from survey" -f -a "invite" -d 'Make single-use invitation codes for your invitation-only survey, with their links'
complete -c canvass -n "__fish_canvass_using_subcommand help; and __fish_seen_subcommand_from survey" -f -a "invitations" -d 'List your survey\'s invitations: each code\'s first characters, when it was made, and whether it was used'
complete -c canvass -n "__fish_canvass_using_subcommand help; and __fish_seen_subcommand_from survey" -f -a "share" -d 'The link respondents open in a browser to answer the survey (--qr draws it as a QR code in the terminal)'
complete -c canvass -n "__fish_canvass_using_subcommand help; and __fish_seen_subcommand_from survey" -f -a "delete" -d 'Delete your survey and all its responses'
complete -c canvass -n "__fish_canvass_using_subcommand help; and __fish_seen_subcommand_from survey" -f -a "drafts" -d 'List the drafts kept on this machine'
complete -c canvass -n "__fish_canvass_using_subcommand help; and __fish_seen_subcommand_from survey" -f -a "edit-draft" -d 'Reopen a draft in the wizard, or replace it with --file'
complete -c canvass -n "__fish_canvass_using_subcommand help; and __fish_seen_subcommand_from survey" -f -a "publish" -d 'Send a draft to the server as a new survey; the draft is then forgotten'
complete -c canvass -n "__fish_canvass_using_subcommand help; and __fish_seen_subcommand_from survey" -f -a "delete-draft" -d 'Throw a draft away'
complete -c canvass -n "__fish_canvass_using_subcommand help; and __fish_seen_subcommand_from outbox" -f -a "list" -d 'The queued responses, oldest first: number, survey, when queued, and why the server refused it if it did'
complete -c canvass -n "__fish_canvass_using_subcommand help; and __fish_seen_subcommand_from outbox" -f -a "drop" -d 'Throw queued responses away, unsent'
