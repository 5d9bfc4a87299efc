
using namespace System.Management.Automation
using namespace System.Management.Automation.Language

Register-ArgumentCompleter -Native -CommandName 'canvass' -ScriptBlock {
    param($wordToComplete, $commandAst, $cursorPosition)

    $commandElements = $commandAst.CommandElements
    $command = @(
        'canvass'
        for ($i = 1; $i -lt $commandElements.Count; $i++) {
            $element = $commandElements[$i]
            if ($element -isnot [StringConstantExpressionAst] -or
                $element.StringConstantType -ne [StringConstantType]::BareWord -or
                $element.Value.StartsWith('-') -or
                $element.Value -eq $wordToComplete) {
                break
        }
        $element.Value
    }) -join ';'

    $completions = @(switch ($command) {
        'canvass' {
            [CompletionResult]::new('--server', '--server', [CompletionResultType]::ParameterName, 'The canvass server, http://HOST[:PORT] or https://HOST[:PORT][/PATH] [default: the last server logged in to, else http://127.0.0.1:5000]')
            [CompletionResult]::new('--timeout', '--timeout', [CompletionResultType]::ParameterName, 'How long to wait for the server to answer, e.g. 10s, 500ms, 2m [default: 10s]')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('serve', 'serve', [CompletionResultType]::ParameterValue, 'Run the survey server (HTTP API on tiny_http, data in SQLite or PostgreSQL)')
            [CompletionResult]::new('admin', 'admin', [CompletionResultType]::ParameterValue, 'Look after a server''s data: copy it between SQLite and PostgreSQL, back it up, check it, and look after its accounts')
            [CompletionResult]::new('register', 'register', [CompletionResultType]::ParameterValue, 'Create an account on the server, then log in')
            [CompletionResult]::new('login', 'login', [CompletionResultType]::ParameterValue, 'Log in and keep the session token in the OS keyring')
            [CompletionResult]::new('logout', 'logout', [CompletionResultType]::ParameterValue, 'Forget this server''s session token')
            [CompletionResult]::new('whoami', 'whoami', [CompletionResultType]::ParameterValue, 'Ask the server who the session belongs to')
            [CompletionResult]::new('status', 'status', [CompletionResultType]::ParameterValue, 'Show the server, whether it answers, the user, where the token is kept and when it expires')
            [CompletionResult]::new('token', 'token', [CompletionResultType]::ParameterValue, 'Look at session tokens')
            [CompletionResult]::new('survey', 'survey', [CompletionResultType]::ParameterValue, 'Create, answer and read surveys')
            [CompletionResult]::new('sync', 'sync', [CompletionResultType]::ParameterValue, 'Send the responses queued while the server was unreachable, then refresh the local copy of every survey')
            [CompletionResult]::new('outbox', 'outbox', [CompletionResultType]::ParameterValue, 'Look at or empty the responses queued on this machine for `sync`')
            [CompletionResult]::new('completions', 'completions', [CompletionResultType]::ParameterValue, 'Print a shell completion script to stdout')
            [CompletionResult]::new('help', 'help', [CompletionResultType]::ParameterValue, 'Print this message or the help of the given subcommand(s)')
            break
        }
        'canvass;serve' {
            [CompletionResult]::new('--addr', '--addr', [CompletionResultType]::ParameterName, 'Address to listen on; port 0 picks a free port')
            [CompletionResult]::new('--db', '--db', [CompletionResultType]::ParameterName, 'Where the data lives: an SQLite file path, or postgres://USER[:PASS]@HOST[:PORT]/DB for PostgreSQL, which several `serve` replicas can share (they then need CANVASS_SECRET) [default: the user data dir''s canvass/canvass.db]')
            [CompletionResult]::new('--token-ttl', '--token-ttl', [CompletionResultType]::ParameterName, 'How long issued tokens stay valid, e.g. 90s, 30m, 12h')
            [CompletionResult]::new('--session-max', '--session-max', [CompletionResultType]::ParameterName, 'How long a session lives from its login, however often its token is refreshed; then the user logs in again, e.g. 12h, 30days')
            [CompletionResult]::new('--origins', '--origins', [CompletionResultType]::ParameterName, 'Allowed CORS origins, comma separated, or * for any')
            [CompletionResult]::new('--threads', '--threads', [CompletionResultType]::ParameterName, 'Request worker threads [default: 4 per core]')
            [CompletionResult]::new('--login-failures', '--login-failures', [CompletionResultType]::ParameterName, 'Failed logins allowed per e-mail within 15 minutes before 429 (ten times as many per client address; see --trusted-proxy for loopback); 0 turns throttling off')
            [CompletionResult]::new('--max-body', '--max-body', [CompletionResultType]::ParameterName, 'Largest accepted request body, in bytes; larger bodies get 413')
            [CompletionResult]::new('--cache-size', '--cache-size', [CompletionResultType]::ParameterName, 'Most bytes of finished JSON the reply cache keeps (surveys and the survey list); past it the least recently used answers are dropped')
            [CompletionResult]::new('--listing-limit', '--listing-limit', [CompletionResultType]::ParameterName, 'Surveys in the seed''s unpaged `GET /api/surveys/`: the newest this many, and no more than 8 MiB of JSON, oldest first (`?page=` pages through all of them)')
            [CompletionResult]::new('--surveys-per-hour', '--surveys-per-hour', [CompletionResultType]::ParameterName, 'Surveys one account may create per hour (counted per server process); past it, 429 with Retry-After. 0 turns the limit off')
            [CompletionResult]::new('--max-connections-per-address', '--max-connections-per-address', [CompletionResultType]::ParameterName, 'Most connections one client address may hold open at once (an IPv6 client: its /64); past it, new connections from that address get 503. Loopback counts like any address; a --trusted-proxy, whose connections carry many clients, is exempt')
            [CompletionResult]::new('--registrations-per-hour', '--registrations-per-hour', [CompletionResultType]::ParameterName, 'Accounts one client address may register per hour; past it, 429 with Retry-After. 0 turns the limit off')
            [CompletionResult]::new('--trusted-proxy', '--trusted-proxy', [CompletionResultType]::ParameterName, 'A reverse proxy in front of the server (repeat, or separate with commas): from it, the client is the rightmost X-Forwarded-For address it did not write itself, and it is exempt from --max-connections-per-address. X-Forwarded-For from any other peer is ignored. Without this, limits per client address leave loopback peers out (they may be an undeclared proxy in front of everyone); with it, loopback counts like any address')
            [CompletionResult]::new('--public-url', '--public-url', [CompletionResultType]::ParameterName, 'The address respondents reach the server at, when it sits behind a reverse proxy (https://survey.example.org): links the server writes, such as an invitation''s, start with it. Without it they are paths on whatever address the client used')
            [CompletionResult]::new('--metrics-addr', '--metrics-addr', [CompletionResultType]::ParameterName, 'Serve Prometheus metrics at http://ADDR/metrics, on a listener of its own (never on --addr): requests by route template, method and status, their durations, responses recorded, logins by outcome, write batch sizes, database errors, open connections and queued requests. Put it where only the scraper reaches it, e.g. 127.0.0.1:9090; port 0 picks a free port (the `canvass metrics on` line shows it). Off unless given')
            [CompletionResult]::new('--log-format', '--log-format', [CompletionResultType]::ParameterName, 'How stderr''s log lines are written: text (one readable line per event) or json (one JSON object per line, with timestamp, level and message; a request''s line has request_id, method, route (its template, never the raw path or query), status and duration_ms)')
            [CompletionResult]::new('--server', '--server', [CompletionResultType]::ParameterName, 'server')
            [CompletionResult]::new('--timeout', '--timeout', [CompletionResultType]::ParameterName, 'timeout')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            break
        }
        'canvass;admin' {
            [CompletionResult]::new('--server', '--server', [CompletionResultType]::ParameterName, 'The canvass server, http://HOST[:PORT] or https://HOST[:PORT][/PATH] [default: the last server logged in to, else http://127.0.0.1:5000]')
            [CompletionResult]::new('--timeout', '--timeout', [CompletionResultType]::ParameterName, 'How long to wait for the server to answer, e.g. 10s, 500ms, 2m [default: 10s]')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('copy-db', 'copy-db', [CompletionResultType]::ParameterValue, 'Copy an installation into an empty database: SQLite to PostgreSQL, PostgreSQL to SQLite, or either to another of its kind')
            [CompletionResult]::new('backup', 'backup', [CompletionResultType]::ParameterValue, 'Take a consistent copy of an SQLite installation, also while its server runs and writes, then print its size and the rows of each table')
            [CompletionResult]::new('check', 'check', [CompletionResultType]::ParameterValue, 'Check an installation: SQLite''s integrity check, and that every survey''s response count and every choice''s count equal the responses recorded. Exit 1 with the differences, one a line, when there are any')
            [CompletionResult]::new('users', 'users', [CompletionResultType]::ParameterValue, 'List, disable, enable, reset the password of, or delete accounts, working on the database directly: no server or login needed. A running server sees each change on its next request (a deleted survey it had cached, within a tenth of a second; other PostgreSQL replicas, within a second)')
            [CompletionResult]::new('help', 'help', [CompletionResultType]::ParameterValue, 'Print this message or the help of the given subcommand(s)')
            break
        }
        'canvass;admin;copy-db' {
            [CompletionResult]::new('--from', '--from', [CompletionResultType]::ParameterName, 'The installation to copy: an SQLite file path, or postgres://USER[:PASS]@HOST[:PORT]/DB. Only read (its schema is brought up to date first, as `serve` would)')
            [CompletionResult]::new('--to', '--to', [CompletionResultType]::ParameterName, 'The database to fill, of the same forms: created if it is a missing SQLite file, and refused if it holds any data')
            [CompletionResult]::new('--server', '--server', [CompletionResultType]::ParameterName, 'server')
            [CompletionResult]::new('--timeout', '--timeout', [CompletionResultType]::ParameterName, 'timeout')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            break
        }
        'canvass;admin;backup' {
            [CompletionResult]::new('--db', '--db', [CompletionResultType]::ParameterName, 'The SQLite database file the server uses')
            [CompletionResult]::new('--server', '--server', [CompletionResultType]::ParameterName, 'server')
            [CompletionResult]::new('--timeout', '--timeout', [CompletionResultType]::ParameterName, 'timeout')
            [CompletionResult]::new('--force', '--force', [CompletionResultType]::ParameterName, 'Replace OUT if it exists')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            break
        }
        'canvass;admin;check' {
            [CompletionResult]::new('--db', '--db', [CompletionResultType]::ParameterName, 'The installation: an SQLite file path, or postgres://USER[:PASS]@HOST[:PORT]/DB')
            [CompletionResult]::new('--server', '--server', [CompletionResultType]::ParameterName, 'server')
            [CompletionResult]::new('--timeout', '--timeout', [CompletionResultType]::ParameterName, 'timeout')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            break
        }
        'canvass;admin;users' {
            [CompletionResult]::new('--server', '--server', [CompletionResultType]::ParameterName, 'The canvass server, http://HOST[:PORT] or https://HOST[:PORT][/PATH] [default: the last server logged in to, else http://127.0.0.1:5000]')
            [CompletionResult]::new('--timeout', '--timeout', [CompletionResultType]::ParameterName, 'How long to wait for the server to answer, e.g. 10s, 500ms, 2m [default: 10s]')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('list', 'list', [CompletionResultType]::ParameterValue, 'List every account, oldest first: id, when it was created, how many surveys it created, whether it is disabled, and its e-mail')
            [CompletionResult]::new('disable', 'disable', [CompletionResultType]::ParameterValue, 'Shut an account out, deleting nothing: its tokens stop working on the next request, and its logins are refused with the same 401 as a wrong password, so nobody learns that the account exists. Disabling a disabled account is fine')
            [CompletionResult]::new('enable', 'enable', [CompletionResultType]::ParameterValue, 'Let a disabled account log in again. Tokens from before it was disabled stay revoked: the user logs in anew')
            [CompletionResult]::new('reset-password', 'reset-password', [CompletionResultType]::ParameterValue, 'Give an account a new password (same rules as registering), and revoke every token issued before, so every session of it ends')
            [CompletionResult]::new('delete', 'delete', [CompletionResultType]::ParameterValue, 'Delete an account and the surveys it created, with their questions, responses and invitations. Its responses to other people''s surveys stay, still counted, no longer linked to anyone')
            [CompletionResult]::new('help', 'help', [CompletionResultType]::ParameterValue, 'Print this message or the help of the given subcommand(s)')
            break
        }
        'canvass;admin;users;list' {
            [CompletionResult]::new('--db', '--db', [CompletionResultType]::ParameterName, 'The installation: an SQLite file path, or postgres://USER[:PASS]@HOST[:PORT]/DB')
            [CompletionResult]::new('--server', '--server', [CompletionResultType]::ParameterName, 'server')
            [CompletionResult]::new('--timeout', '--timeout', [CompletionResultType]::ParameterName, 'timeout')
            [CompletionResult]::new('--json', '--json', [CompletionResultType]::ParameterName, 'Print a JSON array for scripts instead of a table for people')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            break
        }
        'canvass;admin;users;disable' {
            [CompletionResult]::new('--db', '--db', [CompletionResultType]::ParameterName, 'The installation: an SQLite file path, or postgres://USER[:PASS]@HOST[:PORT]/DB')
            [CompletionResult]::new('--server', '--server', [CompletionResultType]::ParameterName, 'server')
            [CompletionResult]::new('--timeout', '--timeout', [CompletionResultType]::ParameterName, 'timeout')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            break
        }
        'canvass;admin;users;enable' {
            [CompletionResult]::new('--db', '--db', [CompletionResultType]::ParameterName, 'The installation: an SQLite file path, or postgres://USER[:PASS]@HOST[:PORT]/DB')
            [CompletionResult]::new('--server', '--server', [CompletionResultType]::ParameterName, 'server')
            [CompletionResult]::new('--timeout', '--timeout', [CompletionResultType]::ParameterName, 'timeout')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            break
        }
        'canvass;admin;users;reset-password' {
            [CompletionResult]::new('--db', '--db', [CompletionResultType]::ParameterName, 'The installation: an SQLite file path, or postgres://USER[:PASS]@HOST[:PORT]/DB')
            [CompletionResult]::new('--server', '--server', [CompletionResultType]::ParameterName, 'server')
            [CompletionResult]::new('--timeout', '--timeout', [CompletionResultType]::ParameterName, 'timeout')
            [CompletionResult]::new('--password-stdin', '--password-stdin', [CompletionResultType]::ParameterName, 'Read the new password from the first line of stdin instead of prompting')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            break
        }
        'canvass;admin;users;delete' {
            [CompletionResult]::new('--db', '--db', [CompletionResultType]::ParameterName, 'The installation: an SQLite file path, or postgres://USER[:PASS]@HOST[:PORT]/DB')
            [CompletionResult]::new('--server', '--server', [CompletionResultType]::ParameterName, 'server')
            [CompletionResult]::new('--timeout', '--timeout', [CompletionResultType]::ParameterName, 'timeout')
            [CompletionResult]::new('--yes', '--yes', [CompletionResultType]::ParameterName, 'Delete without asking; needed when stdin is not a terminal')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            break
        }
        'canvass;admin;users;help' {
            [CompletionResult]::new('list', 'list', [CompletionResultType]::ParameterValue, 'List every account, oldest first: id, when it was created, how many surveys it created, whether it is disabled, and its e-mail')
            [CompletionResult]::new('disable', 'disable', [CompletionResultType]::ParameterValue, 'Shut an account out, deleting nothing: its tokens stop working on the next request, and its logins are refused with the same 401 as a wrong password, so nobody learns that the account exists. Disabling a disabled account is fine')
            [CompletionResult]::new('enable', 'enable', [CompletionResultType]::ParameterValue, 'Let a disabled account log in again. Tokens from before it was disabled stay revoked: the user logs in anew')
            [CompletionResult]::new('reset-password', 'reset-password', [CompletionResultType]::ParameterValue, 'Give an account a new password (same rules as registering), and revoke every token issued before, so every session of it ends')
            [CompletionResult]::new('delete', 'delete', [CompletionResultType]::ParameterValue, 'Delete an account and the surveys it created, with their questions, responses and invitations. Its responses to other people''s surveys stay, still counted, no longer linked to anyone')
            [CompletionResult]::new('help', 'help', [CompletionResultType]::ParameterValue, 'Print this message or the help of the given subcommand(s)')
            break
        }
        'canvass;admin;users;help;list' {
            break
        }
        'canvass;admin;users;help;disable' {
            break
        }
        'canvass;admin;users;help;enable' {
            break
        }
        'canvass;admin;users;help;reset-password' {
            break
        }
        'canvass;admin;users;help;delete' {
            break
        }
        'canvass;admin;users;help;help' {
            break
        }
        'canvass;admin;help' {
            [CompletionResult]::new('copy-db', 'copy-db', [CompletionResultType]::ParameterValue, 'Copy an installation into an empty database: SQLite to PostgreSQL, PostgreSQL to SQLite, or either to another of its kind')
            [CompletionResult]::new('backup', 'backup', [CompletionResultType]::ParameterValue, 'Take a consistent copy of an SQLite installation, also while its server runs and writes, then print its size and the rows of each table')
            [CompletionResult]::new('check', 'check', [CompletionResultType]::ParameterValue, 'Check an installation: SQLite''s integrity check, and that every survey''s response count and every choice''s count equal the responses recorded. Exit 1 with the differences, one a line, when there are any')
            [CompletionResult]::new('users', 'users', [CompletionResultType]::ParameterValue, 'List, disable, enable, reset the password of, or delete accounts, working on the database directly: no server or login needed. A running server sees each change on its next request (a deleted survey it had cached, within a tenth of a second; other PostgreSQL replicas, within a second)')
            [CompletionResult]::new('help', 'help', [CompletionResultType]::ParameterValue, 'Print this message or the help of the given subcommand(s)')
            break
        }
        'canvass;admin;help;copy-db' {
            break
        }
        'canvass;admin;help;backup' {
            break
        }
        'canvass;admin;help;check' {
            break
        }
        'canvass;admin;help;users' {
            [CompletionResult]::new('list', 'list', [CompletionResultType]::ParameterValue, 'List every account, oldest first: id, when it was created, how many surveys it created, whether it is disabled, and its e-mail')
            [CompletionResult]::new('disable', 'disable', [CompletionResultType]::ParameterValue, 'Shut an account out, deleting nothing: its tokens stop working on the next request, and its logins are refused with the same 401 as a wrong password, so nobody learns that the account exists. Disabling a disabled account is fine')
            [CompletionResult]::new('enable', 'enable', [CompletionResultType]::ParameterValue, 'Let a disabled account log in again. Tokens from before it was disabled stay revoked: the user logs in anew')
            [CompletionResult]::new('reset-password', 'reset-password', [CompletionResultType]::ParameterValue, 'Give an account a new password (same rules as registering), and revoke every token issued before, so every session of it ends')
            [CompletionResult]::new('delete', 'delete', [CompletionResultType]::ParameterValue, 'Delete an account and the surveys it created, with their questions, responses and invitations. Its responses to other people''s surveys stay, still counted, no longer linked to anyone')
            break
        }
        'canvass;admin;help;users;list' {
            break
        }
        'canvass;admin;help;users;disable' {
            break
        }
        'canvass;admin;help;users;enable' {
            break
        }
        'canvass;admin;help;users;reset-password' {
            break
        }
        'canvass;admin;help;users;delete' {
            break
        }
        'canvass;admin;help;help' {
            break
        }
        'canvass;register' {
            [CompletionResult]::new('--email', '--email', [CompletionResultType]::ParameterName, 'The account''s e-mail [prompted at a terminal]')
            [CompletionResult]::new('--server', '--server', [CompletionResultType]::ParameterName, 'The canvass server, http://HOST[:PORT] or https://HOST[:PORT][/PATH] [default: the last server logged in to, else http://127.0.0.1:5000]')
            [CompletionResult]::new('--timeout', '--timeout', [CompletionResultType]::ParameterName, 'How long to wait for the server to answer, e.g. 10s, 500ms, 2m [default: 10s]')
            [CompletionResult]::new('--password-stdin', '--password-stdin', [CompletionResultType]::ParameterName, 'Read the password from the first line of stdin instead of prompting')
            [CompletionResult]::new('--json', '--json', [CompletionResultType]::ParameterName, 'Print JSON for scripts instead of text for people')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            break
        }
        'canvass;login' {
            [CompletionResult]::new('--email', '--email', [CompletionResultType]::ParameterName, 'The account''s e-mail [prompted at a terminal]')
            [CompletionResult]::new('--server', '--server', [CompletionResultType]::ParameterName, 'The canvass server, http://HOST[:PORT] or https://HOST[:PORT][/PATH] [default: the last server logged in to, else http://127.0.0.1:5000]')
            [CompletionResult]::new('--timeout', '--timeout', [CompletionResultType]::ParameterName, 'How long to wait for the server to answer, e.g. 10s, 500ms, 2m [default: 10s]')
            [CompletionResult]::new('--password-stdin', '--password-stdin', [CompletionResultType]::ParameterName, 'Read the password from the first line of stdin instead of prompting')
            [CompletionResult]::new('--json', '--json', [CompletionResultType]::ParameterName, 'Print JSON for scripts instead of text for people')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            break
        }
        'canvass;logout' {
            [CompletionResult]::new('--server', '--server', [CompletionResultType]::ParameterName, 'The canvass server, http://HOST[:PORT] or https://HOST[:PORT][/PATH] [default: the last server logged in to, else http://127.0.0.1:5000]')
            [CompletionResult]::new('--timeout', '--timeout', [CompletionResultType]::ParameterName, 'How long to wait for the server to answer, e.g. 10s, 500ms, 2m [default: 10s]')
            [CompletionResult]::new('--all', '--all', [CompletionResultType]::ParameterName, 'First revoke every token of this user on the server, on every machine')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            break
        }
        'canvass;whoami' {
            [CompletionResult]::new('--server', '--server', [CompletionResultType]::ParameterName, 'The canvass server, http://HOST[:PORT] or https://HOST[:PORT][/PATH] [default: the last server logged in to, else http://127.0.0.1:5000]')
            [CompletionResult]::new('--timeout', '--timeout', [CompletionResultType]::ParameterName, 'How long to wait for the server to answer, e.g. 10s, 500ms, 2m [default: 10s]')
            [CompletionResult]::new('--json', '--json', [CompletionResultType]::ParameterName, 'Print JSON for scripts instead of text for people')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            break
        }
        'canvass;status' {
            [CompletionResult]::new('--server', '--server', [CompletionResultType]::ParameterName, 'The canvass server, http://HOST[:PORT] or https://HOST[:PORT][/PATH] [default: the last server logged in to, else http://127.0.0.1:5000]')
            [CompletionResult]::new('--timeout', '--timeout', [CompletionResultType]::ParameterName, 'How long to wait for the server to answer, e.g. 10s, 500ms, 2m [default: 10s]')
            [CompletionResult]::new('--json', '--json', [CompletionResultType]::ParameterName, 'Print JSON for scripts instead of text for people')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            break
        }
        'canvass;token' {
            [CompletionResult]::new('--server', '--server', [CompletionResultType]::ParameterName, 'The canvass server, http://HOST[:PORT] or https://HOST[:PORT][/PATH] [default: the last server logged in to, else http://127.0.0.1:5000]')
            [CompletionResult]::new('--timeout', '--timeout', [CompletionResultType]::ParameterName, 'How long to wait for the server to answer, e.g. 10s, 500ms, 2m [default: 10s]')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('inspect', 'inspect', [CompletionResultType]::ParameterValue, 'Decode a token without verifying it: header, subject, issue and expiry times')
            [CompletionResult]::new('print', 'print', [CompletionResultType]::ParameterValue, 'Print the session token, for `$(canvass token print)` in scripts')
            [CompletionResult]::new('help', 'help', [CompletionResultType]::ParameterValue, 'Print this message or the help of the given subcommand(s)')
            break
        }
        'canvass;token;inspect' {
            [CompletionResult]::new('--server', '--server', [CompletionResultType]::ParameterName, 'The canvass server, http://HOST[:PORT] or https://HOST[:PORT][/PATH] [default: the last server logged in to, else http://127.0.0.1:5000]')
            [CompletionResult]::new('--timeout', '--timeout', [CompletionResultType]::ParameterName, 'How long to wait for the server to answer, e.g. 10s, 500ms, 2m [default: 10s]')
            [CompletionResult]::new('--json', '--json', [CompletionResultType]::ParameterName, 'Print JSON for scripts instead of text for people')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            break
        }
        'canvass;token;print' {
            [CompletionResult]::new('--server', '--server', [CompletionResultType]::ParameterName, 'The canvass server, http://HOST[:PORT] or https://HOST[:PORT][/PATH] [default: the last server logged in to, else http://127.0.0.1:5000]')
            [CompletionResult]::new('--timeout', '--timeout', [CompletionResultType]::ParameterName, 'How long to wait for the server to answer, e.g. 10s, 500ms, 2m [default: 10s]')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            break
        }
        'canvass;token;help' {
            [CompletionResult]::new('inspect', 'inspect', [CompletionResultType]::ParameterValue, 'Decode a token without verifying it: header, subject, issue and expiry times')
            [CompletionResult]::new('print', 'print', [CompletionResultType]::ParameterValue, 'Print the session token, for `$(canvass token print)` in scripts')
            [CompletionResult]::new('help', 'help', [CompletionResultType]::ParameterValue, 'Print this message or the help of the given subcommand(s)')
            break
        }
        'canvass;token;help;inspect' {
            break
        }
        'canvass;token;help;print' {
            break
        }
        'canvass;token;help;help' {
            break
        }
        'canvass;survey' {
            [CompletionResult]::new('--server', '--server', [CompletionResultType]::ParameterName, 'The canvass server, http://HOST[:PORT] or https://HOST[:PORT][/PATH] [default: the last server logged in to, else http://127.0.0.1:5000]')
            [CompletionResult]::new('--timeout', '--timeout', [CompletionResultType]::ParameterName, 'How long to wait for the server to answer, e.g. 10s, 500ms, 2m [default: 10s]')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('list', 'list', [CompletionResultType]::ParameterValue, 'List surveys: id, name, questions, responses, status, created, creator')
            [CompletionResult]::new('show', 'show', [CompletionResultType]::ParameterValue, 'Show a survey: its questions numbered 1…n and their choices 1…m, as `respond --answer` takes them')
            [CompletionResult]::new('create', 'create', [CompletionResultType]::ParameterValue, 'Create a survey: a wizard at a terminal, or --file for scripts')
            [CompletionResult]::new('respond', 'respond', [CompletionResultType]::ParameterValue, 'Answer a survey: prompts at a terminal, or --answer / --answers for scripts')
            [CompletionResult]::new('results', 'results', [CompletionResultType]::ParameterValue, 'Counts and percentages per choice, as bars, and the text answers')
            [CompletionResult]::new('export', 'export', [CompletionResultType]::ParameterValue, 'Download every response to your survey, as CSV (one row per response, one column per question) or JSON')
            [CompletionResult]::new('close', 'close', [CompletionResultType]::ParameterValue, 'Close your survey: no more responses are taken')
            [CompletionResult]::new('reopen', 'reopen', [CompletionResultType]::ParameterValue, 'Reopen your closed survey, if its closing time has not passed and its cap is not reached')
            [CompletionResult]::new('edit', 'edit', [CompletionResultType]::ParameterValue, 'Change your survey: the wizard reopened on its current values, or --file')
            [CompletionResult]::new('invite', 'invite', [CompletionResultType]::ParameterValue, 'Make single-use invitation codes for your invitation-only survey, with their links')
            [CompletionResult]::new('invitations', 'invitations', [CompletionResultType]::ParameterValue, 'List your survey''s invitations: each code''s first characters, when it was made, and whether it was used')
            [CompletionResult]::new('share', 'share', [CompletionResultType]::ParameterValue, 'The link respondents open in a browser to answer the survey (--qr draws it as a QR code in the terminal)')
            [CompletionResult]::new('delete', 'delete', [CompletionResultType]::ParameterValue, 'Delete your survey and all its responses')
            [CompletionResult]::new('drafts', 'drafts', [CompletionResultType]::ParameterValue, 'List the drafts kept on this machine')
            [CompletionResult]::new('edit-draft', 'edit-draft', [CompletionResultType]::ParameterValue, 'Reopen a draft in the wizard, or replace it with --file')
            [CompletionResult]::new('publish', 'publish', [CompletionResultType]::ParameterValue, 'Send a draft to the server as a new survey; the draft is then forgotten')
            [CompletionResult]::new('delete-draft', 'delete-draft', [CompletionResultType]::ParameterValue, 'Throw a draft away')
            [CompletionResult]::new('help', 'help', [CompletionResultType]::ParameterValue, 'Print this message or the help of the given subcommand(s)')
            break
        }
        'canvass;survey;list' {
            [CompletionResult]::new('--page', '--page', [CompletionResultType]::ParameterName, 'Show this page only (50 surveys a page; the first is 1) [default: every page]')
            [CompletionResult]::new('--server', '--server', [CompletionResultType]::ParameterName, 'The canvass server, http://HOST[:PORT] or https://HOST[:PORT][/PATH] [default: the last server logged in to, else http://127.0.0.1:5000]')
            [CompletionResult]::new('--timeout', '--timeout', [CompletionResultType]::ParameterName, 'How long to wait for the server to answer, e.g. 10s, 500ms, 2m [default: 10s]')
            [CompletionResult]::new('--mine', '--mine', [CompletionResultType]::ParameterName, 'Only the surveys you created')
            [CompletionResult]::new('--json', '--json', [CompletionResultType]::ParameterName, 'Print JSON for scripts instead of text for people')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            break
        }
        'canvass;survey;show' {
            [CompletionResult]::new('--server', '--server', [CompletionResultType]::ParameterName, 'The canvass server, http://HOST[:PORT] or https://HOST[:PORT][/PATH] [default: the last server logged in to, else http://127.0.0.1:5000]')
            [CompletionResult]::new('--timeout', '--timeout', [CompletionResultType]::ParameterName, 'How long to wait for the server to answer, e.g. 10s, 500ms, 2m [default: 10s]')
            [CompletionResult]::new('--json', '--json', [CompletionResultType]::ParameterName, 'Print JSON for scripts instead of text for people')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            break
        }
        'canvass;survey;create' {
            [CompletionResult]::new('--file', '--file', [CompletionResultType]::ParameterName, 'Read the survey from this JSON file, or - for stdin, instead of asking')
            [CompletionResult]::new('--server', '--server', [CompletionResultType]::ParameterName, 'The canvass server, http://HOST[:PORT] or https://HOST[:PORT][/PATH] [default: the last server logged in to, else http://127.0.0.1:5000]')
            [CompletionResult]::new('--timeout', '--timeout', [CompletionResultType]::ParameterName, 'How long to wait for the server to answer, e.g. 10s, 500ms, 2m [default: 10s]')
            [CompletionResult]::new('--draft', '--draft', [CompletionResultType]::ParameterName, 'Keep the survey on this machine as a draft instead of sending it; `survey publish` sends it later. Needs no server')
            [CompletionResult]::new('--json', '--json', [CompletionResultType]::ParameterName, 'Print JSON for scripts instead of text for people')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            break
        }
        'canvass;survey;respond' {
            [CompletionResult]::new('--answer', '--answer', [CompletionResultType]::ParameterName, 'An answer by the positions `show` prints: question=choice, question=choice,choice for a multiple-choice question, or question=text for a text question. Repeatable: --answer 1=2 --answer 2=1,3 --answer 3="free text"')
            [CompletionResult]::new('--answers', '--answers', [CompletionResultType]::ParameterName, 'Read the answers from this JSON file, or - for stdin, numbered as `show` prints them: {"<question>": <choice> | [choices] | "text"}, e.g. {"1": 2, "2": [1, 3], "3": "free text"}. With --by-id, keys and choices are the server''s ids instead')
            [CompletionResult]::new('--invitation', '--invitation', [CompletionResultType]::ParameterName, 'The single-use invitation code an invitation-only survey needs [prompted at a terminal when the survey needs one]')
            [CompletionResult]::new('--server', '--server', [CompletionResultType]::ParameterName, 'The canvass server, http://HOST[:PORT] or https://HOST[:PORT][/PATH] [default: the last server logged in to, else http://127.0.0.1:5000]')
            [CompletionResult]::new('--timeout', '--timeout', [CompletionResultType]::ParameterName, 'How long to wait for the server to answer, e.g. 10s, 500ms, 2m [default: 10s]')
            [CompletionResult]::new('--by-id', '--by-id', [CompletionResultType]::ParameterName, 'Read --answers keys as question ids and its choices as choice ids (as `show --json` and the API give them), not as positions')
            [CompletionResult]::new('--yes', '--yes', [CompletionResultType]::ParameterName, 'Submit without the confirmation question')
            [CompletionResult]::new('--json', '--json', [CompletionResultType]::ParameterName, 'Print JSON for scripts instead of text for people')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            break
        }
        'canvass;survey;results' {
            [CompletionResult]::new('--server', '--server', [CompletionResultType]::ParameterName, 'The canvass server, http://HOST[:PORT] or https://HOST[:PORT][/PATH] [default: the last server logged in to, else http://127.0.0.1:5000]')
            [CompletionResult]::new('--timeout', '--timeout', [CompletionResultType]::ParameterName, 'How long to wait for the server to answer, e.g. 10s, 500ms, 2m [default: 10s]')
            [CompletionResult]::new('--json', '--json', [CompletionResultType]::ParameterName, 'Print JSON for scripts instead of text for people')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            break
        }
        'canvass;survey;export' {
            [CompletionResult]::new('--format', '--format', [CompletionResultType]::ParameterName, 'format')
            [CompletionResult]::new('-o', '-o', [CompletionResultType]::ParameterName, 'Write to this file instead of stdout')
            [CompletionResult]::new('--output', '--output', [CompletionResultType]::ParameterName, 'Write to this file instead of stdout')
            [CompletionResult]::new('--server', '--server', [CompletionResultType]::ParameterName, 'The canvass server, http://HOST[:PORT] or https://HOST[:PORT][/PATH] [default: the last server logged in to, else http://127.0.0.1:5000]')
            [CompletionResult]::new('--timeout', '--timeout', [CompletionResultType]::ParameterName, 'How long to wait for the server to answer, e.g. 10s, 500ms, 2m [default: 10s]')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            break
        }
        'canvass;survey;close' {
            [CompletionResult]::new('--server', '--server', [CompletionResultType]::ParameterName, 'The canvass server, http://HOST[:PORT] or https://HOST[:PORT][/PATH] [default: the last server logged in to, else http://127.0.0.1:5000]')
            [CompletionResult]::new('--timeout', '--timeout', [CompletionResultType]::ParameterName, 'How long to wait for the server to answer, e.g. 10s, 500ms, 2m [default: 10s]')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            break
        }
        'canvass;survey;reopen' {
            [CompletionResult]::new('--server', '--server', [CompletionResultType]::ParameterName, 'The canvass server, http://HOST[:PORT] or https://HOST[:PORT][/PATH] [default: the last server logged in to, else http://127.0.0.1:5000]')
            [CompletionResult]::new('--timeout', '--timeout', [CompletionResultType]::ParameterName, 'How long to wait for the server to answer, e.g. 10s, 500ms, 2m [default: 10s]')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            break
        }
        'canvass;survey;edit' {
            [CompletionResult]::new('--file', '--file', [CompletionResultType]::ParameterName, 'Change what this JSON file (or - for stdin) gives, with the keys of `survey create --file`, instead of the wizard; `null` clears opens_at, closes_at or max_responses')
            [CompletionResult]::new('--server', '--server', [CompletionResultType]::ParameterName, 'The canvass server, http://HOST[:PORT] or https://HOST[:PORT][/PATH] [default: the last server logged in to, else http://127.0.0.1:5000]')
            [CompletionResult]::new('--timeout', '--timeout', [CompletionResultType]::ParameterName, 'How long to wait for the server to answer, e.g. 10s, 500ms, 2m [default: 10s]')
            [CompletionResult]::new('--json', '--json', [CompletionResultType]::ParameterName, 'Print JSON for scripts instead of text for people')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            break
        }
        'canvass;survey;invite' {
            [CompletionResult]::new('--count', '--count', [CompletionResultType]::ParameterName, 'How many codes to make (1 to 10000)')
            [CompletionResult]::new('--server', '--server', [CompletionResultType]::ParameterName, 'The canvass server, http://HOST[:PORT] or https://HOST[:PORT][/PATH] [default: the last server logged in to, else http://127.0.0.1:5000]')
            [CompletionResult]::new('--timeout', '--timeout', [CompletionResultType]::ParameterName, 'How long to wait for the server to answer, e.g. 10s, 500ms, 2m [default: 10s]')
            [CompletionResult]::new('--json', '--json', [CompletionResultType]::ParameterName, 'Print JSON for scripts instead of text for people')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            break
        }
        'canvass;survey;invitations' {
            [CompletionResult]::new('--server', '--server', [CompletionResultType]::ParameterName, 'The canvass server, http://HOST[:PORT] or https://HOST[:PORT][/PATH] [default: the last server logged in to, else http://127.0.0.1:5000]')
            [CompletionResult]::new('--timeout', '--timeout', [CompletionResultType]::ParameterName, 'How long to wait for the server to answer, e.g. 10s, 500ms, 2m [default: 10s]')
            [CompletionResult]::new('--json', '--json', [CompletionResultType]::ParameterName, 'Print JSON for scripts instead of text for people')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            break
        }
        'canvass;survey;share' {
            [CompletionResult]::new('--server', '--server', [CompletionResultType]::ParameterName, 'The canvass server, http://HOST[:PORT] or https://HOST[:PORT][/PATH] [default: the last server logged in to, else http://127.0.0.1:5000]')
            [CompletionResult]::new('--timeout', '--timeout', [CompletionResultType]::ParameterName, 'How long to wait for the server to answer, e.g. 10s, 500ms, 2m [default: 10s]')
            [CompletionResult]::new('--qr', '--qr', [CompletionResultType]::ParameterName, 'Also draw the link as a QR code, for a phone''s camera')
            [CompletionResult]::new('--json', '--json', [CompletionResultType]::ParameterName, 'Print JSON for scripts instead of text for people')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            break
        }
        'canvass;survey;delete' {
            [CompletionResult]::new('--server', '--server', [CompletionResultType]::ParameterName, 'The canvass server, http://HOST[:PORT] or https://HOST[:PORT][/PATH] [default: the last server logged in to, else http://127.0.0.1:5000]')
            [CompletionResult]::new('--timeout', '--timeout', [CompletionResultType]::ParameterName, 'How long to wait for the server to answer, e.g. 10s, 500ms, 2m [default: 10s]')
            [CompletionResult]::new('--yes', '--yes', [CompletionResultType]::ParameterName, 'Delete without asking; needed when stdin is not a terminal')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            break
        }
        'canvass;survey;drafts' {
            [CompletionResult]::new('--server', '--server', [CompletionResultType]::ParameterName, 'The canvass server, http://HOST[:PORT] or https://HOST[:PORT][/PATH] [default: the last server logged in to, else http://127.0.0.1:5000]')
            [CompletionResult]::new('--timeout', '--timeout', [CompletionResultType]::ParameterName, 'How long to wait for the server to answer, e.g. 10s, 500ms, 2m [default: 10s]')
            [CompletionResult]::new('--json', '--json', [CompletionResultType]::ParameterName, 'Print JSON for scripts instead of text for people')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            break
        }
        'canvass;survey;edit-draft' {
            [CompletionResult]::new('--file', '--file', [CompletionResultType]::ParameterName, 'Replace the draft with this JSON file (or - for stdin) instead of the wizard')
            [CompletionResult]::new('--server', '--server', [CompletionResultType]::ParameterName, 'The canvass server, http://HOST[:PORT] or https://HOST[:PORT][/PATH] [default: the last server logged in to, else http://127.0.0.1:5000]')
            [CompletionResult]::new('--timeout', '--timeout', [CompletionResultType]::ParameterName, 'How long to wait for the server to answer, e.g. 10s, 500ms, 2m [default: 10s]')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            break
        }
        'canvass;survey;publish' {
            [CompletionResult]::new('--server', '--server', [CompletionResultType]::ParameterName, 'The canvass server, http://HOST[:PORT] or https://HOST[:PORT][/PATH] [default: the last server logged in to, else http://127.0.0.1:5000]')
            [CompletionResult]::new('--timeout', '--timeout', [CompletionResultType]::ParameterName, 'How long to wait for the server to answer, e.g. 10s, 500ms, 2m [default: 10s]')
            [CompletionResult]::new('--json', '--json', [CompletionResultType]::ParameterName, 'Print JSON for scripts instead of text for people')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            break
        }
        'canvass;survey;delete-draft' {
            [CompletionResult]::new('--server', '--server', [CompletionResultType]::ParameterName, 'The canvass server, http://HOST[:PORT] or https://HOST[:PORT][/PATH] [default: the last server logged in to, else http://127.0.0.1:5000]')
            [CompletionResult]::new('--timeout', '--timeout', [CompletionResultType]::ParameterName, 'How long to wait for the server to answer, e.g. 10s, 500ms, 2m [default: 10s]')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            break
        }
        'canvass;survey;help' {
            [CompletionResult]::new('list', 'list', [CompletionResultType]::ParameterValue, 'List surveys: id, name, questions, responses, status, created, creator')
            [CompletionResult]::new('show', 'show', [CompletionResultType]::ParameterValue, 'Show a survey: its questions numbered 1…n and their choices 1…m, as `respond --answer` takes them')
            [CompletionResult]::new('create', 'create', [CompletionResultType]::ParameterValue, 'Create a survey: a wizard at a terminal, or --file for scripts')
            [CompletionResult]::new('respond', 'respond', [CompletionResultType]::ParameterValue, 'Answer a survey: prompts at a terminal, or --answer / --answers for scripts')
            [CompletionResult]::new('results', 'results', [CompletionResultType]::ParameterValue, 'Counts and percentages per choice, as bars, and the text answers')
            [CompletionResult]::new('export', 'export', [CompletionResultType]::ParameterValue, 'Download every response to your survey, as CSV (one row per response, one column per question) or JSON')
            [CompletionResult]::new('close', 'close', [CompletionResultType]::ParameterValue, 'Close your survey: no more responses are taken')
            [CompletionResult]::new('reopen', 'reopen', [CompletionResultType]::ParameterValue, 'Reopen your closed survey, if its closing time has not passed and its cap is not reached')
            [CompletionResult]::new('edit', 'edit', [CompletionResultType]::ParameterValue, 'Change your survey: the wizard reopened on its current values, or --file')
            [CompletionResult]::new('invite', 'invite', [CompletionResultType]::ParameterValue, 'Make single-use invitation codes for your invitation-only survey, with their links')
            [CompletionResult]::new('invitations', 'invitations', [CompletionResultType]::ParameterValue, 'List your survey''s invitations: each code''s first characters, when it was made, and whether it was used')
            [CompletionResult]::new('share', 'share', [CompletionResultType]::ParameterValue, 'The link respondents open in a browser to answer the survey (--qr draws it as a QR code in the terminal)')
            [CompletionResult]::new('delete', 'delete', [CompletionResultType]::ParameterValue, 'Delete your survey and all its responses')
            [CompletionResult]::new('drafts', 'drafts', [CompletionResultType]::ParameterValue, 'List the drafts kept on this machine')
            [CompletionResult]::new('edit-draft', 'edit-draft', [CompletionResultType]::ParameterValue, 'Reopen a draft in the wizard, or replace it with --file')
            [CompletionResult]::new('publish', 'publish', [CompletionResultType]::ParameterValue, 'Send a draft to the server as a new survey; the draft is then forgotten')
            [CompletionResult]::new('delete-draft', 'delete-draft', [CompletionResultType]::ParameterValue, 'Throw a draft away')
            [CompletionResult]::new('help', 'help', [CompletionResultType]::ParameterValue, 'Print this message or the help of the given subcommand(s)')
            break
        }
        'canvass;survey;help;list' {
            break
        }
        'canvass;survey;help;show' {
            break
        }
        'canvass;survey;help;create' {
            break
        }
        'canvass;survey;help;respond' {
            break
        }
        'canvass;survey;help;results' {
            break
        }
        'canvass;survey;help;export' {
            break
        }
        'canvass;survey;help;close' {
            break
        }
        'canvass;survey;help;reopen' {
            break
        }
        'canvass;survey;help;edit' {
            break
        }
        'canvass;survey;help;invite' {
            break
        }
        'canvass;survey;help;invitations' {
            break
        }
        'canvass;survey;help;share' {
            break
        }
        'canvass;survey;help;delete' {
            break
        }
        'canvass;survey;help;drafts' {
            break
        }
        'canvass;survey;help;edit-draft' {
            break
        }
        'canvass;survey;help;publish' {
            break
        }
        'canvass;survey;help;delete-draft' {
            break
        }
        'canvass;survey;help;help' {
            break
        }
        'canvass;sync' {
            [CompletionResult]::new('--server', '--server', [CompletionResultType]::ParameterName, 'The canvass server, http://HOST[:PORT] or https://HOST[:PORT][/PATH] [default: the last server logged in to, else http://127.0.0.1:5000]')
            [CompletionResult]::new('--timeout', '--timeout', [CompletionResultType]::ParameterName, 'How long to wait for the server to answer, e.g. 10s, 500ms, 2m [default: 10s]')
            [CompletionResult]::new('--json', '--json', [CompletionResultType]::ParameterName, 'Print JSON for scripts instead of text for people')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            break
        }
        'canvass;outbox' {
            [CompletionResult]::new('--server', '--server', [CompletionResultType]::ParameterName, 'The canvass server, http://HOST[:PORT] or https://HOST[:PORT][/PATH] [default: the last server logged in to, else http://127.0.0.1:5000]')
            [CompletionResult]::new('--timeout', '--timeout', [CompletionResultType]::ParameterName, 'How long to wait for the server to answer, e.g. 10s, 500ms, 2m [default: 10s]')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('list', 'list', [CompletionResultType]::ParameterValue, 'The queued responses, oldest first: number, survey, when queued, and why the server refused it if it did')
            [CompletionResult]::new('drop', 'drop', [CompletionResultType]::ParameterValue, 'Throw queued responses away, unsent')
            [CompletionResult]::new('help', 'help', [CompletionResultType]::ParameterValue, 'Print this message or the help of the given subcommand(s)')
            break
        }
        'canvass;outbox;list' {
            [CompletionResult]::new('--server', '--server', [CompletionResultType]::ParameterName, 'The canvass server, http://HOST[:PORT] or https://HOST[:PORT][/PATH] [default: the last server logged in to, else http://127.0.0.1:5000]')
            [CompletionResult]::new('--timeout', '--timeout', [CompletionResultType]::ParameterName, 'How long to wait for the server to answer, e.g. 10s, 500ms, 2m [default: 10s]')
            [CompletionResult]::new('--json', '--json', [CompletionResultType]::ParameterName, 'Print JSON for scripts instead of text for people')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            break
        }
        'canvass;outbox;drop' {
            [CompletionResult]::new('--server', '--server', [CompletionResultType]::ParameterName, 'The canvass server, http://HOST[:PORT] or https://HOST[:PORT][/PATH] [default: the last server logged in to, else http://127.0.0.1:5000]')
            [CompletionResult]::new('--timeout', '--timeout', [CompletionResultType]::ParameterName, 'How long to wait for the server to answer, e.g. 10s, 500ms, 2m [default: 10s]')
            [CompletionResult]::new('--all', '--all', [CompletionResultType]::ParameterName, 'Every queued response')
            [CompletionResult]::new('--yes', '--yes', [CompletionResultType]::ParameterName, 'Drop without asking; needed when stdin is not a terminal')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            break
        }
        'canvass;outbox;help' {
            [CompletionResult]::new('list', 'list', [CompletionResultType]::ParameterValue, 'The queued responses, oldest first: number, survey, when queued, and why the server refused it if it did')
            [CompletionResult]::new('drop', 'drop', [CompletionResultType]::ParameterValue, 'Throw queued responses away, unsent')
            [CompletionResult]::new('help', 'help', [CompletionResultType]::ParameterValue, 'Print this message or the help of the given subcommand(s)')
            break
        }
        'canvass;outbox;help;list' {
            break
        }
        'canvass;outbox;help;drop' {
            break
        }
        'canvass;outbox;help;help' {
            break
        }
        'canvass;completions' {
            [CompletionResult]::new('--server', '--server', [CompletionResultType]::ParameterName, 'The canvass server, http://HOST[:PORT] or https://HOST[:PORT][/PATH] [default: the last server logged in to, else http://127.0.0.1:5000]')
            [CompletionResult]::new('--timeout', '--timeout', [CompletionResultType]::ParameterName, 'How long to wait for the server to answer, e.g. 10s, 500ms, 2m [default: 10s]')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            break
        }
        'canvass;help' {
            [CompletionResult]::new('serve', 'serve', [CompletionResultType]::ParameterValue, 'Run the survey server (HTTP API on tiny_http, data in SQLite or PostgreSQL)')
            [CompletionResult]::new('admin', 'admin', [CompletionResultType]::ParameterValue, 'Look after a server''s data: copy it between SQLite and PostgreSQL, back it up, check it, and look after its accounts')
            [CompletionResult]::new('register', 'register', [CompletionResultType]::ParameterValue, 'Create an account on the server, then log in')
            [CompletionResult]::new('login', 'login', [CompletionResultType]::ParameterValue, 'Log in and keep the session token in the OS keyring')
            [CompletionResult]::new('logout', 'logout', [CompletionResultType]::ParameterValue, 'Forget this server''s session token')
            [CompletionResult]::new('whoami', 'whoami', [CompletionResultType]::ParameterValue, 'Ask the server who the session belongs to')
            [CompletionResult]::new('status', 'status', [CompletionResultType]::ParameterValue, 'Show the server, whether it answers, the user, where the token is kept and when it expires')
            [CompletionResult]::new('token', 'token', [CompletionResultType]::ParameterValue, 'Look at session tokens')
            [CompletionResult]::new('survey', 'survey', [CompletionResultType]::ParameterValue, 'Create, answer and read surveys')
            [CompletionResult]::new('sync', 'sync', [CompletionResultType]::ParameterValue, 'Send the responses queued while the server was unreachable, then refresh the local copy of every survey')
            [CompletionResult]::new('outbox', 'outbox', [CompletionResultType]::ParameterValue, 'Look at or empty the responses queued on this machine for `sync`')
            [CompletionResult]::new('completions', 'completions', [CompletionResultType]::ParameterValue, 'Print a shell completion script to stdout')
            [CompletionResult]::new('help', 'help', [CompletionResultType]::ParameterValue, 'Print this message or the help of the given subcommand(s)')
            break
        }
        'canvass;help;serve' {
            break
        }
        'canvass;help;admin' {
            [CompletionResult]::new('copy-db', 'copy-db', [CompletionResultType]::ParameterValue, 'Copy an installation into an empty database: SQLite to PostgreSQL, PostgreSQL to SQLite, or either to another of its kind')
            [CompletionResult]::new('backup', 'backup', [CompletionResultType]::ParameterValue, 'Take a consistent copy of an SQLite installation, also while its server runs and writes, then print its size and the rows of each table')
            [CompletionResult]::new('check', 'check', [CompletionResultType]::ParameterValue, 'Check an installation: SQLite''s integrity check, and that every survey''s response count and every choice''s count equal the responses recorded. Exit 1 with the differences, one a line, when there are any')
            [CompletionResult]::new('users', 'users', [CompletionResultType]::ParameterValue, 'List, disable, enable, reset the password of, or delete accounts, working on the database directly: no server or login needed. A running server sees each change on its next request (a deleted survey it had cached, within a tenth of a second; other PostgreSQL replicas, within a second)')
            break
        }
        'canvass;help;admin;copy-db' {
            break
        }
        'canvass;help;admin;backup' {
            break
        }
        'canvass;help;admin;check' {
            break
        }
        'canvass;help;admin;users' {
            [CompletionResult]::new('list', 'list', [CompletionResultType]::ParameterValue, 'List every account, oldest first: id, when it was created, how many surveys it created, whether it is disabled, and its e-mail')
            [CompletionResult]::new('disable', 'disable', [CompletionResultType]::ParameterValue, 'Shut an account out, deleting nothing: its tokens stop working on the next request, and its logins are refused with the same 401 as a wrong password, so nobody learns that the account exists. Disabling a disabled account is fine')
            [CompletionResult]::new('enable', 'enable', [CompletionResultType]::ParameterValue, 'Let a disabled account log in again. Tokens from before it was disabled stay revoked: the user logs in anew')
            [CompletionResult]::new('reset-password', 'reset-password', [CompletionResultType]::ParameterValue, 'Give an account a new password (same rules as registering), and revoke every token issued before, so every session of it ends')
            [CompletionResult]::new('delete', 'delete', [CompletionResultType]::ParameterValue, 'Delete an account and the surveys it created, with their questions, responses and invitations. Its responses to other people''s surveys stay, still counted, no longer linked to anyone')
            break
        }
        'canvass;help;admin;users;list' {
            break
        }
        'canvass;help;admin;users;disable' {
            break
        }
        'canvass;help;admin;users;enable' {
            break
        }
        'canvass;help;admin;users;reset-password' {
            break
        }
        'canvass;help;admin;users;delete' {
            break
        }
        'canvass;help;register' {
            break
        }
        'canvass;help;login' {
            break
        }
        'canvass;help;logout' {
            break
        }
        'canvass;help;whoami' {
            break
        }
        'canvass;help;status' {
            break
        }
        'canvass;help;token' {
            [CompletionResult]::new('inspect', 'inspect', [CompletionResultType]::ParameterValue, 'Decode a token without verifying it: header, subject, issue and expiry times')
            [CompletionResult]::new('print', 'print', [CompletionResultType]::ParameterValue, 'Print the session token, for `$(canvass token print)` in scripts')
            break
        }
        'canvass;help;token;inspect' {
            break
        }
        'canvass;help;token;print' {
            break
        }
        'canvass;help;survey' {
            [CompletionResult]::new('list', 'list', [CompletionResultType]::ParameterValue, 'List surveys: id, name, questions, responses, status, created, creator')
            [CompletionResult]::new('show', 'show', [CompletionResultType]::ParameterValue, 'Show a survey: its questions numbered 1…n and their choices 1…m, as `respond --answer` takes them')
            [CompletionResult]::new('create', 'create', [CompletionResultType]::ParameterValue, 'Create a survey: a wizard at a terminal, or --file for scripts')
            [CompletionResult]::new('respond', 'respond', [CompletionResultType]::ParameterValue, 'Answer a survey: prompts at a terminal, or --answer / --answers for scripts')
            [CompletionResult]::new('results', 'results', [CompletionResultType]::ParameterValue, 'Counts and percentages per choice, as bars, and the text answers')
            [CompletionResult]::new('export', 'export', [CompletionResultType]::ParameterValue, 'Download every response to your survey, as CSV (one row per response, one column per question) or JSON')
            [CompletionResult]::new('close', 'close', [CompletionResultType]::ParameterValue, 'Close your survey: no more responses are taken')
            [CompletionResult]::new('reopen', 'reopen', [CompletionResultType]::ParameterValue, 'Reopen your closed survey, if its closing time has not passed and its cap is not reached')
            [CompletionResult]::new('edit', 'edit', [CompletionResultType]::ParameterValue, 'Change your survey: the wizard reopened on its current values, or --file')
            [CompletionResult]::new('invite', 'invite', [CompletionResultType]::ParameterValue, 'Make single-use invitation codes for your invitation-only survey, with their links')
            [CompletionResult]::new('invitations', 'invitations', [CompletionResultType]::ParameterValue, 'List your survey''s invitations: each code''s first characters, when it was made, and whether it was used')
            [CompletionResult]::new('share', 'share', [CompletionResultType]::ParameterValue, 'The link respondents open in a browser to answer the survey (--qr draws it as a QR code in the terminal)')
            [CompletionResult]::new('delete', 'delete', [CompletionResultType]::ParameterValue, 'Delete your survey and all its responses')
            [CompletionResult]::new('drafts', 'drafts', [CompletionResultType]::ParameterValue, 'List the drafts kept on this machine')
            [CompletionResult]::new('edit-draft', 'edit-draft', [CompletionResultType]::ParameterValue, 'Reopen a draft in the wizard, or replace it with --file')
            [CompletionResult]::new('publish', 'publish', [CompletionResultType]::ParameterValue, 'Send a draft to the server as a new survey; the draft is then forgotten')
            [CompletionResult]::new('delete-draft', 'delete-draft', [CompletionResultType]::ParameterValue, 'Throw a draft away')
            break
        }
        'canvass;help;survey;list' {
            break
        }
        'canvass;help;survey;show' {
            break
        }
        'canvass;help;survey;create' {
            break
        }
        'canvass;help;survey;respond' {
            break
        }
        'canvass;help;survey;results' {
            break
        }
        'canvass;help;survey;export' {
            break
        }
        'canvass;help;survey;close' {
            break
        }
        'canvass;help;survey;reopen' {
            break
        }
        'canvass;help;survey;edit' {
            break
        }
        'canvass;help;survey;invite' {
            break
        }
        'canvass;help;survey;invitations' {
            break
        }
        'canvass;help;survey;share' {
            break
        }
        'canvass;help;survey;delete' {
            break
        }
        'canvass;help;survey;drafts' {
            break
        }
        'canvass;help;survey;edit-draft' {
            break
        }
        'canvass;help;survey;publish' {
            break
        }
        'canvass;help;survey;delete-draft' {
            break
        }
        'canvass;help;sync' {
            break
        }
        'canvass;help;outbox' {
            [CompletionResult]::new('list', 'list', [CompletionResultType]::ParameterValue, 'The queued responses, oldest first: number, survey, when queued, and why the server refused it if it did')
            [CompletionResult]::new('drop', 'drop', [CompletionResultType]::ParameterValue, 'Throw queued responses away, unsent')
            break
        }
        'canvass;help;outbox;list' {
            break
        }
        'canvass;help;outbox;drop' {
            break
        }
        'canvass;help;completions' {
            break
        }
        'canvass;help;help' {
            break
        }
    })

    $completions.Where{ $_.CompletionText -like "$wordToComplete*" } |
        Sort-Object -Property ListItemText
}
