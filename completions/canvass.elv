
use builtin;
use str;

set edit:completion:arg-completer[canvass] = {|@words|
    fn spaces {|n|
        builtin:repeat $n ' ' | str:join ''
    }
    fn cand {|text desc|
        edit:complex-candidate $text &display=$text' '(spaces (- 14 (wcswidth $text)))$desc
    }
    var command = 'canvass'
    for word $words[1..-1] {
        if (str:has-prefix $word '-') {
            break
        }
        set command = $command';'$word
    }
    var completions = [
        &'canvass'= {
            cand --server 'The canvass server, http://HOST[:PORT] or https://HOST[:PORT][/PATH] [default: the last server logged in to, else http://127.0.0.1:5000]'
            cand --timeout 'How long to wait for the server to answer, e.g. 10s, 500ms, 2m [default: 10s]'
            cand -h 'Print help'
            cand --help 'Print help'
            cand -V 'Print version'
            cand --version 'Print version'
            cand serve 'Run the survey server (HTTP API on tiny_http, data in SQLite or PostgreSQL)'
            cand admin 'Look after a server''s data: copy it between SQLite and PostgreSQL, back it up, check it, and look after its accounts'
            cand register 'Create an account on the server, then log in'
            cand login 'Log in and keep the session token in the OS keyring'
            cand logout 'Forget this server''s session token'
            cand whoami 'Ask the server who the session belongs to'
            cand status 'Show the server, whether it answers, the user, where the token is kept and when it expires'
            cand token 'Look at session tokens'
            cand survey 'Create, answer and read surveys'
            cand sync 'Send the responses queued while the server was unreachable, then refresh the local copy of every survey'
            cand outbox 'Look at or empty the responses queued on this machine for `sync`'
            cand completions 'Print a shell completion script to stdout'
            cand help 'Print this message or the help of the given subcommand(s)'
        }
        &'canvass;serve'= {
            cand --addr 'Address to listen on; port 0 picks a free port'
            cand --db 'Where the data lives: an SQLite file path, or postgres://USER[:PASS]@HOST[:PORT]/DB for PostgreSQL, which several `serve` replicas can share (they then need CANVASS_SECRET) [default: the user data dir''s canvass/canvass.db]'
            cand --token-ttl 'How long issued tokens stay valid, e.g. 90s, 30m, 12h'
            cand --session-max 'How long a session lives from its login, however often its token is refreshed; then the user logs in again, e.g. 12h, 30days'
            cand --origins 'Allowed CORS origins, comma separated, or * for any'
            cand --threads 'Request worker threads [default: 4 per core]'
            cand --login-failures 'Failed logins allowed per e-mail within 15 minutes before 429 (ten times as many per client address; see --trusted-proxy for loopback); 0 turns throttling off'
            cand --max-body 'Largest accepted request body, in bytes; larger bodies get 413'
            cand --cache-size 'Most bytes of finished JSON the reply cache keeps (surveys and the survey list); past it the least recently used answers are dropped'
            cand --listing-limit 'Surveys in the seed''s unpaged `GET /api/surveys/`: the newest this many, and no more than 8 MiB of JSON, oldest first (`?page=` pages through all of them)'
            cand --surveys-per-hour 'Surveys one account may create per hour (counted per server process); past it, 429 with Retry-After. 0 turns the limit off'
            cand --max-connections-per-address 'Most connections one client address may hold open at once (an IPv6 client: its /64); past it, new connections from that address get 503. Loopback counts like any address; a --trusted-proxy, whose connections carry many clients, is exempt'
            cand --registrations-per-hour 'Accounts one client address may register per hour; past it, 429 with Retry-After. 0 turns the limit off'
            cand --trusted-proxy 'A reverse proxy in front of the server (repeat, or separate with commas): from it, the client is the rightmost X-Forwarded-For address it did not write itself, and it is exempt from --max-connections-per-address. X-Forwarded-For from any other peer is ignored. Without this, limits per client address leave loopback peers out (they may be an undeclared proxy in front of everyone); with it, loopback counts like any address'
            cand --public-url 'The address respondents reach the server at, when it sits behind a reverse proxy (https://survey.example.org): links the server writes, such as an invitation''s, start with it. Without it they are paths on whatever address the client used'
            cand --metrics-addr 'Serve Prometheus metrics at http://ADDR/metrics, on a listener of its own (never on --addr): requests by route template, method and status, their durations, responses recorded, logins by outcome, write batch sizes, database errors, open connections and queued requests. Put it where only the scraper reaches it, e.g. 127.0.0.1:9090; port 0 picks a free port (the `canvass metrics on` line shows it). Off unless given'
            cand --log-format 'How stderr''s log lines are written: text (one readable line per event) or json (one JSON object per line, with timestamp, level and message; a request''s line has request_id, method, route (its template, never the raw path or query), status and duration_ms)'
            cand --server 'server'
            cand --timeout 'timeout'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
        }
        &'canvass;admin'= {
            cand --server 'The canvass server, http://HOST[:PORT] or https://HOST[:PORT][/PATH] [default: the last server logged in to, else http://127.0.0.1:5000]'
            cand --timeout 'How long to wait for the server to answer, e.g. 10s, 500ms, 2m [default: 10s]'
            cand -h 'Print help'
            cand --help 'Print help'
            cand copy-db 'Copy an installation into an empty database: SQLite to PostgreSQL, PostgreSQL to SQLite, or either to another of its kind'
            cand backup 'Take a consistent copy of an SQLite installation, also while its server runs and writes, then print its size and the rows of each table'
            cand check 'Check an installation: SQLite''s integrity check, and that every survey''s response count and every choice''s count equal the responses recorded. Exit 1 with the differences, one a line, when there are any'
            cand users 'List, disable, enable, reset the password of, or delete accounts, working on the database directly: no server or login needed. A running server sees each change on its next request (a deleted survey it had cached, within a tenth of a second; other PostgreSQL replicas, within a second)'
            cand help 'Print this message or the help of the given subcommand(s)'
        }
        &'canvass;admin;copy-db'= {
            cand --from 'The installation to copy: an SQLite file path, or postgres://USER[:PASS]@HOST[:PORT]/DB. Only read (its schema is brought up to date first, as `serve` would)'
            cand --to 'The database to fill, of the same forms: created if it is a missing SQLite file, and refused if it holds any data'
            cand --server 'server'
            cand --timeout 'timeout'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
        }
        &'canvass;admin;backup'= {
            cand --db 'The SQLite database file the server uses'
            cand --server 'server'
            cand --timeout 'timeout'
            cand --force 'Replace OUT if it exists'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
        }
        &'canvass;admin;check'= {
            cand --db 'The installation: an SQLite file path, or postgres://USER[:PASS]@HOST[:PORT]/DB'
            cand --server 'server'
            cand --timeout 'timeout'
            cand -h 'Print help'
            cand --help 'Print help'
        }
        &'canvass;admin;users'= {
            cand --server 'The canvass server, http://HOST[:PORT] or https://HOST[:PORT][/PATH] [default: the last server logged in to, else http://127.0.0.1:5000]'
            cand --timeout 'How long to wait for the server to answer, e.g. 10s, 500ms, 2m [default: 10s]'
            cand -h 'Print help'
            cand --help 'Print help'
            cand list 'List every account, oldest first: id, when it was created, how many surveys it created, whether it is disabled, and its e-mail'
            cand disable 'Shut an account out, deleting nothing: its tokens stop working on the next request, and its logins are refused with the same 401 as a wrong password, so nobody learns that the account exists. Disabling a disabled account is fine'
            cand enable 'Let a disabled account log in again. Tokens from before it was disabled stay revoked: the user logs in anew'
            cand reset-password 'Give an account a new password (same rules as registering), and revoke every token issued before, so every session of it ends'
            cand delete 'Delete an account and the surveys it created, with their questions, responses and invitations. Its responses to other people''s surveys stay, still counted, no longer linked to anyone'
            cand help 'Print this message or the help of the given subcommand(s)'
        }
        &'canvass;admin;users;list'= {
            cand --db 'The installation: an SQLite file path, or postgres://USER[:PASS]@HOST[:PORT]/DB'
            cand --server 'server'
            cand --timeout 'timeout'
            cand --json 'Print a JSON array for scripts instead of a table for people'
            cand -h 'Print help'
            cand --help 'Print help'
        }
        &'canvass;admin;users;disable'= {
            cand --db 'The installation: an SQLite file path, or postgres://USER[:PASS]@HOST[:PORT]/DB'
            cand --server 'server'
            cand --timeout 'timeout'
            cand -h 'Print help'
            cand --help 'Print help'
        }
        &'canvass;admin;users;enable'= {
            cand --db 'The installation: an SQLite file path, or postgres://USER[:PASS]@HOST[:PORT]/DB'
            cand --server 'server'
            cand --timeout 'timeout'
            cand -h 'Print help'
            cand --help 'Print help'
        }
        &'canvass;admin;users;reset-password'= {
            cand --db 'The installation: an SQLite file path, or postgres://USER[:PASS]@HOST[:PORT]/DB'
            cand --server 'server'
            cand --timeout 'timeout'
            cand --password-stdin 'Read the new password from the first line of stdin instead of prompting'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
        }
        &'canvass;admin;users;delete'= {
            cand --db 'The installation: an SQLite file path, or postgres://USER[:PASS]@HOST[:PORT]/DB'
            cand --server 'server'
            cand --timeout 'timeout'
            cand --yes 'Delete without asking; needed when stdin is not a terminal'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
        }
        &'canvass;admin;users;help'= {
            cand list 'List every account, oldest first: id, when it was created, how many surveys it created, whether it is disabled, and its e-mail'
            cand disable 'Shut an account out, deleting nothing: its tokens stop working on the next request, and its logins are refused with the same 401 as a wrong password, so nobody learns that the account exists. Disabling a disabled account is fine'
            cand enable 'Let a disabled account log in again. Tokens from before it was disabled stay revoked: the user logs in anew'
            cand reset-password 'Give an account a new password (same rules as registering), and revoke every token issued before, so every session of it ends'
            cand delete 'Delete an account and the surveys it created, with their questions, responses and invitations. Its responses to other people''s surveys stay, still counted, no longer linked to anyone'
            cand help 'Print this message or the help of the given subcommand(s)'
        }
        &'canvass;admin;users;help;list'= {
        }
        &'canvass;admin;users;help;disable'= {
        }
        &'canvass;admin;users;help;enable'= {
        }
        &'canvass;admin;users;help;reset-password'= {
        }
        &'canvass;admin;users;help;delete'= {
        }
        &'canvass;admin;users;help;help'= {
        }
        &'canvass;admin;help'= {
            cand copy-db 'Copy an installation into an empty database: SQLite to PostgreSQL, PostgreSQL to SQLite, or either to another of its kind'
            cand backup 'Take a consistent copy of an SQLite installation, also while its server runs and writes, then print its size and the rows of each table'
            cand check 'Check an installation: SQLite''s integrity check, and that every survey''s response count and every choice''s count equal the responses recorded. Exit 1 with the differences, one a line, when there are any'
            cand users 'List, disable, enable, reset the password of, or delete accounts, working on the database directly: no server or login needed. A running server sees each change on its next request (a deleted survey it had cached, within a tenth of a second; other PostgreSQL replicas, within a second)'
            cand help 'Print this message or the help of the given subcommand(s)'
        }
        &'canvass;admin;help;copy-db'= {
        }
        &'canvass;admin;help;backup'= {
        }
        &'canvass;admin;help;check'= {
        }
        &'canvass;admin;help;users'= {
            cand list 'List every account, oldest first: id, when it was created, how many surveys it created, whether it is disabled, and its e-mail'
            cand disable 'Shut an account out, deleting nothing: its tokens stop working on the next request, and its logins are refused with the same 401 as a wrong password, so nobody learns that the account exists. Disabling a disabled account is fine'
            cand enable 'Let a disabled account log in again. Tokens from before it was disabled stay revoked: the user logs in anew'
            cand reset-password 'Give an account a new password (same rules as registering), and revoke every token issued before, so every session of it ends'
            cand delete 'Delete an account and the surveys it created, with their questions, responses and invitations. Its responses to other people''s surveys stay, still counted, no longer linked to anyone'
        }
        &'canvass;admin;help;users;list'= {
        }
        &'canvass;admin;help;users;disable'= {
        }
        &'canvass;admin;help;users;enable'= {
        }
        &'canvass;admin;help;users;reset-password'= {
        }
        &'canvass;admin;help;users;delete'= {
        }
        &'canvass;admin;help;help'= {
        }
        &'canvass;register'= {
            cand --email 'The account''s e-mail [prompted at a terminal]'
            cand --server 'The canvass server, http://HOST[:PORT] or https://HOST[:PORT][/PATH] [default: the last server logged in to, else http://127.0.0.1:5000]'
            cand --timeout 'How long to wait for the server to answer, e.g. 10s, 500ms, 2m [default: 10s]'
            cand --password-stdin 'Read the password from the first line of stdin instead of prompting'
            cand --json 'Print JSON for scripts instead of text for people'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
        }
        &'canvass;login'= {
            cand --email 'The account''s e-mail [prompted at a terminal]'
            cand --server 'The canvass server, http://HOST[:PORT] or https://HOST[:PORT][/PATH] [default: the last server logged in to, else http://127.0.0.1:5000]'
            cand --timeout 'How long to wait for the server to answer, e.g. 10s, 500ms, 2m [default: 10s]'
            cand --password-stdin 'Read the password from the first line of stdin instead of prompting'
            cand --json 'Print JSON for scripts instead of text for people'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
        }
        &'canvass;logout'= {
            cand --server 'The canvass server, http://HOST[:PORT] or https://HOST[:PORT][/PATH] [default: the last server logged in to, else http://127.0.0.1:5000]'
            cand --timeout 'How long to wait for the server to answer, e.g. 10s, 500ms, 2m [default: 10s]'
            cand --all 'First revoke every token of this user on the server, on every machine'
            cand -h 'Print help'
            cand --help 'Print help'
        }
        &'canvass;whoami'= {
            cand --server 'The canvass server, http://HOST[:PORT] or https://HOST[:PORT][/PATH] [default: the last server logged in to, else http://127.0.0.1:5000]'
            cand --timeout 'How long to wait for the server to answer, e.g. 10s, 500ms, 2m [default: 10s]'
            cand --json 'Print JSON for scripts instead of text for people'
            cand -h 'Print help'
            cand --help 'Print help'
        }
        &'canvass;status'= {
            cand --server 'The canvass server, http://HOST[:PORT] or https://HOST[:PORT][/PATH] [default: the last server logged in to, else http://127.0.0.1:5000]'
            cand --timeout 'How long to wait for the server to answer, e.g. 10s, 500ms, 2m [default: 10s]'
            cand --json 'Print JSON for scripts instead of text for people'
            cand -h 'Print help'
            cand --help 'Print help'
        }
        &'canvass;token'= {
            cand --server 'The canvass server, http://HOST[:PORT] or https://HOST[:PORT][/PATH] [default: the last server logged in to, else http://127.0.0.1:5000]'
            cand --timeout 'How long to wait for the server to answer, e.g. 10s, 500ms, 2m [default: 10s]'
            cand -h 'Print help'
            cand --help 'Print help'
            cand inspect 'Decode a token without verifying it: header, subject, issue and expiry times'
            cand print 'Print the session token, for `$(canvass token print)` in scripts'
            cand help 'Print this message or the help of the given subcommand(s)'
        }
        &'canvass;token;inspect'= {
            cand --server 'The canvass server, http://HOST[:PORT] or https://HOST[:PORT][/PATH] [default: the last server logged in to, else http://127.0.0.1:5000]'
            cand --timeout 'How long to wait for the server to answer, e.g. 10s, 500ms, 2m [default: 10s]'
            cand --json 'Print JSON for scripts instead of text for people'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
        }
        &'canvass;token;print'= {
            cand --server 'The canvass server, http://HOST[:PORT] or https://HOST[:PORT][/PATH] [default: the last server logged in to, else http://127.0.0.1:5000]'
            cand --timeout 'How long to wait for the server to answer, e.g. 10s, 500ms, 2m [default: 10s]'
            cand -h 'Print help'
            cand --help 'Print help'
        }
        &'canvass;token;help'= {
            cand inspect 'Decode a token without verifying it: header, subject, issue and expiry times'
            cand print 'Print the session token, for `$(canvass token print)` in scripts'
            cand help 'Print this message or the help of the given subcommand(s)'
        }
        &'canvass;token;help;inspect'= {
        }
        &'canvass;token;help;print'= {
        }
        &'canvass;token;help;help'= {
        }
        &'canvass;survey'= {
            cand --server 'The canvass server, http://HOST[:PORT] or https://HOST[:PORT][/PATH] [default: the last server logged in to, else http://127.0.0.1:5000]'
            cand --timeout 'How long to wait for the server to answer, e.g. 10s, 500ms, 2m [default: 10s]'
            cand -h 'Print help'
            cand --help 'Print help'
            cand list 'List surveys: id, name, questions, responses, status, created, creator'
            cand show 'Show a survey: its questions numbered 1…n and their choices 1…m, as `respond --answer` takes them'
            cand create 'Create a survey: a wizard at a terminal, or --file for scripts'
            cand respond 'Answer a survey: prompts at a terminal, or --answer / --answers for scripts'
            cand results 'Counts and percentages per choice, as bars, and the text answers'
            cand export 'Download every response to your survey, as CSV (one row per response, one column per question) or JSON'
            cand close 'Close your survey: no more responses are taken'
            cand reopen 'Reopen your closed survey, if its closing time has not passed and its cap is not reached'
            cand edit 'Change your survey: the wizard reopened on its current values, or --file'
            cand invite 'Make single-use invitation codes for your invitation-only survey, with their links'
            cand invitations 'List your survey''s invitations: each code''s first characters, when it was made, and whether it was used'
            cand share 'The link respondents open in a browser to answer the survey (--qr draws it as a QR code in the terminal)'
            cand delete 'Delete your survey and all its responses'
            cand drafts 'List the drafts kept on this machine'
            cand edit-draft 'Reopen a draft in the wizard, or replace it with --file'
            cand publish 'Send a draft to the server as a new survey; the draft is then forgotten'
            cand delete-draft 'Throw a draft away'
            cand help 'Print this message or the help of the given subcommand(s)'
        }
        &'canvass;survey;list'= {
            cand --page 'Show this page only (50 surveys a page; the first is 1) [default: every page]'
            cand --server 'The canvass server, http://HOST[:PORT] or https://HOST[:PORT][/PATH] [default: the last server logged in to, else http://127.0.0.1:5000]'
            cand --timeout 'How long to wait for the server to answer, e.g. 10s, 500ms, 2m [default: 10s]'
            cand --mine 'Only the surveys you created'
            cand --json 'Print JSON for scripts instead of text for people'
            cand -h 'Print help'
            cand --help 'Print help'
        }
        &'canvass;survey;show'= {
            cand --server 'The canvass server, http://HOST[:PORT] or https://HOST[:PORT][/PATH] [default: the last server logged in to, else http://127.0.0.1:5000]'
            cand --timeout 'How long to wait for the server to answer, e.g. 10s, 500ms, 2m [default: 10s]'
            cand --json 'Print JSON for scripts instead of text for people'
            cand -h 'Print help'
            cand --help 'Print help'
        }
        &'canvass;survey;create'= {
            cand --file 'Read the survey from this JSON file, or - for stdin, instead of asking'
            cand --server 'The canvass server, http://HOST[:PORT] or https://HOST[:PORT][/PATH] [default: the last server logged in to, else http://127.0.0.1:5000]'
            cand --timeout 'How long to wait for the server to answer, e.g. 10s, 500ms, 2m [default: 10s]'
            cand --draft 'Keep the survey on this machine as a draft instead of sending it; `survey publish` sends it later. Needs no server'
            cand --json 'Print JSON for scripts instead of text for people'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
        }
        &'canvass;survey;respond'= {
            cand --answer 'An answer by the positions `show` prints: question=choice, question=choice,choice for a multiple-choice question, or question=text for a text question. Repeatable: --answer 1=2 --answer 2=1,3 --answer 3="free text"'
            cand --answers 'Read the answers from this JSON file, or - for stdin, numbered as `show` prints them: {"<question>": <choice> | [choices] | "text"}, e.g. {"1": 2, "2": [1, 3], "3": "free text"}. With --by-id, keys and choices are the server''s ids instead'
            cand --invitation 'The single-use invitation code an invitation-only survey needs [prompted at a terminal when the survey needs one]'
            cand --server 'The canvass server, http://HOST[:PORT] or https://HOST[:PORT][/PATH] [default: the last server logged in to, else http://127.0.0.1:5000]'
            cand --timeout 'How long to wait for the server to answer, e.g. 10s, 500ms, 2m [default: 10s]'
            cand --by-id 'Read --answers keys as question ids and its choices as choice ids (as `show --json` and the API give them), not as positions'
            cand --yes 'Submit without the confirmation question'
            cand --json 'Print JSON for scripts instead of text for people'
            cand -h 'Print help'
            cand --help 'Print help'
        }
        &'canvass;survey;results'= {
            cand --server 'The canvass server, http://HOST[:PORT] or https://HOST[:PORT][/PATH] [default: the last server logged in to, else http://127.0.0.1:5000]'
            cand --timeout 'How long to wait for the server to answer, e.g. 10s, 500ms, 2m [default: 10s]'
            cand --json 'Print JSON for scripts instead of text for people'
            cand -h 'Print help'
            cand --help 'Print help'
        }
        &'canvass;survey;export'= {
            cand --format 'format'
            cand -o 'Write to this file instead of stdout'
            cand --output 'Write to this file instead of stdout'
            cand --server 'The canvass server, http://HOST[:PORT] or https://HOST[:PORT][/PATH] [default: the last server logged in to, else http://127.0.0.1:5000]'
            cand --timeout 'How long to wait for the server to answer, e.g. 10s, 500ms, 2m [default: 10s]'
            cand -h 'Print help'
            cand --help 'Print help'
        }
        &'canvass;survey;close'= {
            cand --server 'The canvass server, http://HOST[:PORT] or https://HOST[:PORT][/PATH] [default: the last server logged in to, else http://127.0.0.1:5000]'
            cand --timeout 'How long to wait for the server to answer, e.g. 10s, 500ms, 2m [default: 10s]'
            cand -h 'Print help'
            cand --help 'Print help'
        }
        &'canvass;survey;reopen'= {
            cand --server 'The canvass server, http://HOST[:PORT] or https://HOST[:PORT][/PATH] [default: the last server logged in to, else http://127.0.0.1:5000]'
            cand --timeout 'How long to wait for the server to answer, e.g. 10s, 500ms, 2m [default: 10s]'
            cand -h 'Print help'
            cand --help 'Print help'
        }
        &'canvass;survey;edit'= {
            cand --file 'Change what this JSON file (or - for stdin) gives, with the keys of `survey create --file`, instead of the wizard; `null` clears opens_at, closes_at or max_responses'
            cand --server 'The canvass server, http://HOST[:PORT] or https://HOST[:PORT][/PATH] [default: the last server logged in to, else http://127.0.0.1:5000]'
            cand --timeout 'How long to wait for the server to answer, e.g. 10s, 500ms, 2m [default: 10s]'
            cand --json 'Print JSON for scripts instead of text for people'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
        }
        &'canvass;survey;invite'= {
            cand --count 'How many codes to make (1 to 10000)'
            cand --server 'The canvass server, http://HOST[:PORT] or https://HOST[:PORT][/PATH] [default: the last server logged in to, else http://127.0.0.1:5000]'
            cand --timeout 'How long to wait for the server to answer, e.g. 10s, 500ms, 2m [default: 10s]'
            cand --json 'Print JSON for scripts instead of text for people'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
        }
        &'canvass;survey;invitations'= {
            cand --server 'The canvass server, http://HOST[:PORT] or https://HOST[:PORT][/PATH] [default: the last server logged in to, else http://127.0.0.1:5000]'
            cand --timeout 'How long to wait for the server to answer, e.g. 10s, 500ms, 2m [default: 10s]'
            cand --json 'Print JSON for scripts instead of text for people'
            cand -h 'Print help'
            cand --help 'Print help'
        }
        &'canvass;survey;share'= {
            cand --server 'The canvass server, http://HOST[:PORT] or https://HOST[:PORT][/PATH] [default: the last server logged in to, else http://127.0.0.1:5000]'
            cand --timeout 'How long to wait for the server to answer, e.g. 10s, 500ms, 2m [default: 10s]'
            cand --qr 'Also draw the link as a QR code, for a phone''s camera'
            cand --json 'Print JSON for scripts instead of text for people'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
        }
        &'canvass;survey;delete'= {
            cand --server 'The canvass server, http://HOST[:PORT] or https://HOST[:PORT][/PATH] [default: the last server logged in to, else http://127.0.0.1:5000]'
            cand --timeout 'How long to wait for the server to answer, e.g. 10s, 500ms, 2m [default: 10s]'
            cand --yes 'Delete without asking; needed when stdin is not a terminal'
            cand -h 'Print help'
            cand --help 'Print help'
        }
        &'canvass;survey;drafts'= {
            cand --server 'The canvass server, http://HOST[:PORT] or https://HOST[:PORT][/PATH] [default: the last server logged in to, else http://127.0.0.1:5000]'
            cand --timeout 'How long to wait for the server to answer, e.g. 10s, 500ms, 2m [default: 10s]'
            cand --json 'Print JSON for scripts instead of text for people'
            cand -h 'Print help'
            cand --help 'Print help'
        }
        &'canvass;survey;edit-draft'= {
            cand --file 'Replace the draft with this JSON file (or - for stdin) instead of the wizard'
            cand --server 'The canvass server, http://HOST[:PORT] or https://HOST[:PORT][/PATH] [default: the last server logged in to, else http://127.0.0.1:5000]'
            cand --timeout 'How long to wait for the server to answer, e.g. 10s, 500ms, 2m [default: 10s]'
            cand -h 'Print help'
            cand --help 'Print help'
        }
        &'canvass;survey;publish'= {
            cand --server 'The canvass server, http://HOST[:PORT] or https://HOST[:PORT][/PATH] [default: the last server logged in to, else http://127.0.0.1:5000]'
            cand --timeout 'How long to wait for the server to answer, e.g. 10s, 500ms, 2m [default: 10s]'
            cand --json 'Print JSON for scripts instead of text for people'
            cand -h 'Print help'
            cand --help 'Print help'
        }
        &'canvass;survey;delete-draft'= {
            cand --server 'The canvass server, http://HOST[:PORT] or https://HOST[:PORT][/PATH] [default: the last server logged in to, else http://127.0.0.1:5000]'
            cand --timeout 'How long to wait for the server to answer, e.g. 10s, 500ms, 2m [default: 10s]'
            cand -h 'Print help'
            cand --help 'Print help'
        }
        &'canvass;survey;help'= {
            cand list 'List surveys: id, name, questions, responses, status, created, creator'
            cand show 'Show a survey: its questions numbered 1…n and their choices 1…m, as `respond --answer` takes them'
            cand create 'Create a survey: a wizard at a terminal, or --file for scripts'
            cand respond 'Answer a survey: prompts at a terminal, or --answer / --answers for scripts'
            cand results 'Counts and percentages per choice, as bars, and the text answers'
            cand export 'Download every response to your survey, as CSV (one row per response, one column per question) or JSON'
            cand close 'Close your survey: no more responses are taken'
            cand reopen 'Reopen your closed survey, if its closing time has not passed and its cap is not reached'
            cand edit 'Change your survey: the wizard reopened on its current values, or --file'
            cand invite 'Make single-use invitation codes for your invitation-only survey, with their links'
            cand invitations 'List your survey''s invitations: each code''s first characters, when it was made, and whether it was used'
            cand share 'The link respondents open in a browser to answer the survey (--qr draws it as a QR code in the terminal)'
            cand delete 'Delete your survey and all its responses'
            cand drafts 'List the drafts kept on this machine'
            cand edit-draft 'Reopen a draft in the wizard, or replace it with --file'
            cand publish 'Send a draft to the server as a new survey; the draft is then forgotten'
            cand delete-draft 'Throw a draft away'
            cand help 'Print this message or the help of the given subcommand(s)'
        }
        &'canvass;survey;help;list'= {
        }
        &'canvass;survey;help;show'= {
        }
        &'canvass;survey;help;create'= {
        }
        &'canvass;survey;help;respond'= {
        }
        &'canvass;survey;help;results'= {
        }
        &'canvass;survey;help;export'= {
        }
        &'canvass;survey;help;close'= {
        }
        &'canvass;survey;help;reopen'= {
        }
        &'canvass;survey;help;edit'= {
        }
        &'canvass;survey;help;invite'= {
        }
        &'canvass;survey;help;invitations'= {
        }
        &'canvass;survey;help;share'= {
        }
        &'canvass;survey;help;delete'= {
        }
        &'canvass;survey;help;drafts'= {
        }
        &'canvass;survey;help;edit-draft'= {
        }
        &'canvass;survey;help;publish'= {
        }
        &'canvass;survey;help;delete-draft'= {
        }
        &'canvass;survey;help;help'= {
        }
        &'canvass;sync'= {
            cand --server 'The canvass server, http://HOST[:PORT] or https://HOST[:PORT][/PATH] [default: the last server logged in to, else http://127.0.0.1:5000]'
            cand --timeout 'How long to wait for the server to answer, e.g. 10s, 500ms, 2m [default: 10s]'
            cand --json 'Print JSON for scripts instead of text for people'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
        }
        &'canvass;outbox'= {
            cand --server 'The canvass server, http://HOST[:PORT] or https://HOST[:PORT][/PATH] [default: the last server logged in to, else http://127.0.0.1:5000]'
            cand --timeout 'How long to wait for the server to answer, e.g. 10s, 500ms, 2m [default: 10s]'
            cand -h 'Print help'
            cand --help 'Print help'
            cand list 'The queued responses, oldest first: number, survey, when queued, and why the server refused it if it did'
            cand drop 'Throw queued responses away, unsent'
            cand help 'Print this message or the help of the given subcommand(s)'
        }
        &'canvass;outbox;list'= {
            cand --server 'The canvass server, http://HOST[:PORT] or https://HOST[:PORT][/PATH] [default: the last server logged in to, else http://127.0.0.1:5000]'
            cand --timeout 'How long to wait for the server to answer, e.g. 10s, 500ms, 2m [default: 10s]'
            cand --json 'Print JSON for scripts instead of text for people'
            cand -h 'Print help'
            cand --help 'Print help'
        }
        &'canvass;outbox;drop'= {
            cand --server 'The canvass server, http://HOST[:PORT] or https://HOST[:PORT][/PATH] [default: the last server logged in to, else http://127.0.0.1:5000]'
            cand --timeout 'How long to wait for the server to answer, e.g. 10s, 500ms, 2m [default: 10s]'
            cand --all 'Every queued response'
            cand --yes 'Drop without asking; needed when stdin is not a terminal'
            cand -h 'Print help'
            cand --help 'Print help'
        }
        &'canvass;outbox;help'= {
            cand list 'The queued responses, oldest first: number, survey, when queued, and why the server refused it if it did'
            cand drop 'Throw queued responses away, unsent'
            cand help 'Print this message or the help of the given subcommand(s)'
        }
        &'canvass;outbox;help;list'= {
        }
        &'canvass;outbox;help;drop'= {
        }
        &'canvass;outbox;help;help'= {
        }
        &'canvass;completions'= {
            cand --server 'The canvass server, http://HOST[:PORT] or https://HOST[:PORT][/PATH] [default: the last server logged in to, else http://127.0.0.1:5000]'
            cand --timeout 'How long to wait for the server to answer, e.g. 10s, 500ms, 2m [default: 10s]'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
        }
        &'canvass;help'= {
            cand serve 'Run the survey server (HTTP API on tiny_http, data in SQLite or PostgreSQL)'
            cand admin 'Look after a server''s data: copy it between SQLite and PostgreSQL, back it up, check it, and look after its accounts'
            cand register 'Create an account on the server, then log in'
            cand login 'Log in and keep the session token in the OS keyring'
            cand logout 'Forget this server''s session token'
            cand whoami 'Ask the server who the session belongs to'
            cand status 'Show the server, whether it answers, the user, where the token is kept and when it expires'
            cand token 'Look at session tokens'
            cand survey 'Create, answer and read surveys'
            cand sync 'Send the responses queued while the server was unreachable, then refresh the local copy of every survey'
            cand outbox 'Look at or empty the responses queued on this machine for `sync`'
            cand completions 'Print a shell completion script to stdout'
            cand help 'Print this message or the help of the given subcommand(s)'
        }
        &'canvass;help;serve'= {
        }
        &'canvass;help;admin'= {
            cand copy-db 'Copy an installation into an empty database: SQLite to PostgreSQL, PostgreSQL to SQLite, or either to another of its kind'
            cand backup 'Take a consistent copy of an SQLite installation, also while its server runs and writes, then print its size and the rows of each table'
            cand check 'Check an installation: SQLite''s integrity check, and that every survey''s response count and every choice''s count equal the responses recorded. Exit 1 with the differences, one a line, when there are any'
            cand users 'List, disable, enable, reset the password of, or delete accounts, working on the database directly: no server or login needed. A running server sees each change on its next request (a deleted survey it had cached, within a tenth of a second; other PostgreSQL replicas, within a second)'
        }
        &'canvass;help;admin;copy-db'= {
        }
        &'canvass;help;admin;backup'= {
        }
        &'canvass;help;admin;check'= {
        }
        &'canvass;help;admin;users'= {
            cand list 'List every account, oldest first: id, when it was created, how many surveys it created, whether it is disabled, and its e-mail'
            cand disable 'Shut an account out, deleting nothing: its tokens stop working on the next request, and its logins are refused with the same 401 as a wrong password, so nobody learns that the account exists. Disabling a disabled account is fine'
            cand enable 'Let a disabled account log in again. Tokens from before it was disabled stay revoked: the user logs in anew'
            cand reset-password 'Give an account a new password (same rules as registering), and revoke every token issued before, so every session of it ends'
            cand delete 'Delete an account and the surveys it created, with their questions, responses and invitations. Its responses to other people''s surveys stay, still counted, no longer linked to anyone'
        }
        &'canvass;help;admin;users;list'= {
        }
        &'canvass;help;admin;users;disable'= {
        }
        &'canvass;help;admin;users;enable'= {
        }
        &'canvass;help;admin;users;reset-password'= {
        }
        &'canvass;help;admin;users;delete'= {
        }
        &'canvass;help;register'= {
        }
        &'canvass;help;login'= {
        }
        &'canvass;help;logout'= {
        }
        &'canvass;help;whoami'= {
        }
        &'canvass;help;status'= {
        }
        &'canvass;help;token'= {
            cand inspect 'Decode a token without verifying it: header, subject, issue and expiry times'
            cand print 'Print the session token, for `$(canvass token print)` in scripts'
        }
        &'canvass;help;token;inspect'= {
        }
        &'canvass;help;token;print'= {
        }
        &'canvass;help;survey'= {
            cand list 'List surveys: id, name, questions, responses, status, created, creator'
            cand show 'Show a survey: its questions numbered 1…n and their choices 1…m, as `respond --answer` takes them'
            cand create 'Create a survey: a wizard at a terminal, or --file for scripts'
            cand respond 'Answer a survey: prompts at a terminal, or --answer / --answers for scripts'
            cand results 'Counts and percentages per choice, as bars, and the text answers'
            cand export 'Download every response to your survey, as CSV (one row per response, one column per question) or JSON'
            cand close 'Close your survey: no more responses are taken'
            cand reopen 'Reopen your closed survey, if its closing time has not passed and its cap is not reached'
            cand edit 'Change your survey: the wizard reopened on its current values, or --file'
            cand invite 'Make single-use invitation codes for your invitation-only survey, with their links'
            cand invitations 'List your survey''s invitations: each code''s first characters, when it was made, and whether it was used'
            cand share 'The link respondents open in a browser to answer the survey (--qr draws it as a QR code in the terminal)'
            cand delete 'Delete your survey and all its responses'
            cand drafts 'List the drafts kept on this machine'
            cand edit-draft 'Reopen a draft in the wizard, or replace it with --file'
            cand publish 'Send a draft to the server as a new survey; the draft is then forgotten'
            cand delete-draft 'Throw a draft away'
        }
        &'canvass;help;survey;list'= {
        }
        &'canvass;help;survey;show'= {
        }
        &'canvass;help;survey;create'= {
        }
        &'canvass;help;survey;respond'= {
        }
        &'canvass;help;survey;results'= {
        }
        &'canvass;help;survey;export'= {
        }
        &'canvass;help;survey;close'= {
        }
        &'canvass;help;survey;reopen'= {
        }
        &'canvass;help;survey;edit'= {
        }
        &'canvass;help;survey;invite'= {
        }
        &'canvass;help;survey;invitations'= {
        }
        &'canvass;help;survey;share'= {
        }
        &'canvass;help;survey;delete'= {
        }
        &'canvass;help;survey;drafts'= {
        }
        &'canvass;help;survey;edit-draft'= {
        }
        &'canvass;help;survey;publish'= {
        }
        &'canvass;help;survey;delete-draft'= {
        }
        &'canvass;help;sync'= {
        }
        &'canvass;help;outbox'= {
            cand list 'The queued responses, oldest first: number, survey, when queued, and why the server refused it if it did'
            cand drop 'Throw queued responses away, unsent'
        }
        &'canvass;help;outbox;list'= {
        }
        &'canvass;help;outbox;drop'= {
        }
        &'canvass;help;completions'= {
        }
        &'canvass;help;help'= {
        }
    ]
    $completions[$command]
}
