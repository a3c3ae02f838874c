# 책의 생성 페이지 (src/book.rs, `tutor book-src`). 마크다운입니다. 코드 표기,
# 링크, `<name>` 같은 자리 표시는 그대로 둡니다. { $변수 } 바로 뒤에
# 은/는/이/가/을/를을 붙이지 않습니다.

book-generated-note = `tutor book-src`가 lessons/와 checks/에서 만든 파일입니다. 이 파일이 아니라 그 파일들을 고칩니다.

## 단계 장

book-stage-link = { $number }단계: { $title }
book-stage-heading = { $total }단계 중 { $number }단계: { $title }
# getting-started.md에서 `<domain>` 같은 표기를 설명하는 제목입니다.
# 링크의 앵커를 이 제목으로 만들므로 두 곳이 같아야 합니다.
book-your-values = 내 값
book-values-note = `<domain>`처럼 꺾쇠괄호로 쓴 값은 내 값으로 바꿔 읽습니다({ $link } 참고). 터미널에서는 tutor가 내 값을 채워서 이 페이지를 보여 줍니다.
book-what-and-why = 무엇을, 왜 하나요
book-what-to-do = 할 일
book-when-it-worked = 성공하면 이렇게 보입니다
book-stuck = 막혔나요?
book-stuck-text = 힌트를 하나씩 봅니다. 터미널에서 { $command } 명령을 실행하면 다음 힌트가 나오고, 마지막 힌트 다음에는 풀이가 나옵니다.
book-hint-summary = 힌트 { $total }개 중 { $number }번째
book-solution-summary = 풀이
book-fence-server = 서버에서 입력합니다:
book-fence-laptop = 내 컴퓨터에서 입력합니다:
book-fence-file = 다음 내용을 { $path } 파일에 넣습니다:
book-how-checked = tutor가 이 단계를 점검하는 방법
book-checks-intro = { $command } 명령은 다음 점검을 이 순서대로 실행합니다. 점검은 모두 읽기만 하고 서버를 바꾸지 않습니다({ $link } 참고). 먼저 통과해야 하는 점검이 실패하면 그 점검은 건너뜁니다.
book-no-check = 이 단계에는 아직 점검이 없습니다.
book-looks-at = 살펴보는 것: { $probes }.
book-runs-after = 다음 점검을 통과한 뒤에만 실행합니다: { $checks }.
book-runs-command = 서버에서 다음 읽기 전용 명령을 실행합니다:
book-runs-listen = 포트에서 연결을 기다리는 프로그램을 알아보려고 다음 명령을 실행합니다:
book-fails-with = 실패하면 다음 진단 가운데 하나를 알려 줍니다:
book-undecided = 판단하지 못하면 직접 확인할 방법을 알려 줍니다:

## 진단 페이지

book-diagnosis-of = { $stage }에 속한 진단 { $id }입니다. 터미널에서 { $command } 명령을 실행하면 내 값을 채운 이 페이지가 나옵니다.
book-what-you-see = 이렇게 보입니다
book-reports-under = { $command } 명령이 { $check } 점검({ $title }) 아래에 이렇게 알립니다:
book-facts-it-saw = (점검이 관찰한 사실들)
book-says-so-otherwise = 이 점검의 앞선 규칙이 하나도 맞지 않을 때 이렇게 알립니다.
book-says-so-when = 다음 조건일 때 이렇게 알립니다: { $conditions }.
book-no-check-reports = 이 진단을 알리는 점검은 없습니다. 아래 메시지 가운데 하나를 `tutor why`에 붙여 넣으면 이 진단을 알려 줍니다.
book-why = 왜 이런 일이 생기나요
book-fix = 고치는 방법
book-good-to-know = 알아 두면 좋은 점
book-messages-here = 이 페이지로 안내하는 메시지
book-messages-intro = 오류 메시지를 { $command } 명령에 붙여 넣었을 때, 메시지에 다음 가운데 하나가 들어 있으면 이 페이지를 알려 줍니다:
book-exact-patterns = 정확한 패턴(정규 표현식)
book-real-examples = 이 진단에 해당하는 실제 메시지
book-see-index = tutor가 알아보는 메시지 전체는 { $link } 페이지에 있습니다.
book-symptom-index-link = 증상 찾아보기

## 규칙의 조건을 말로 풀어 씁니다. 예: "`dev.connect` 값이 `refused` 또는
## `timeout`임, `dev.listen` 값이 `loopback`임".

book-rule-fact = { $fact } { $test }
book-rule-is = 값이 { $values }임
book-rule-is-not = 값이 { $values } 이외의 값임
book-rule-contains = 값에 { $values } 문구가 들어 있음
book-rule-not-contains = 값에 { $values } 문구가 없음
book-rule-not-empty = 값이 비어 있지 않음
book-rule-empty = 값이 비어 있거나 없음
# 한 패턴의 대안 사이("`a` 또는 `b`").
book-rule-or = {" 또는 "}
# 부정 패턴의 대안 사이("`a`, `b` 문구가 없음").
book-rule-nor = {", "}
# 한 규칙의 여러 사실 사이.
book-rule-and = {", "}

## 증상 찾아보기

book-index-title = 증상 찾아보기
book-index-intro = 화면에 나온 메시지를 브라우저의 찾기 기능(Ctrl-F)이나 검색 상자로 찾아봅니다. 컴퓨터마다 달라지는 부분은 `…`(아무 글자)나 `N`(숫자)으로 표시했습니다.
book-index-pipe = tutor에게 찾아 달라고 할 수도 있습니다. 메시지를 `tutor why`에 붙여 넣거나, 파이프로 넘깁니다:
book-by-message = 메시지별
book-by-stage = 단계별

## 명령 참고서 (명령과 옵션의 설명은 clap에서 오므로 영어 그대로입니다)

book-commands-title = 명령
book-commands-intro = 이 페이지는 tutor의 명령줄 정의에서 만들어지므로 `tutor --help`와 `tutor COMMAND --help`의 내용과 같습니다. 명령과 옵션의 설명은 `--help` 출력과 마찬가지로 영어로 되어 있습니다.
book-global-options = 모든 명령에 쓰는 옵션
book-global-options-intro = 명령 이름 앞이나 뒤에 붙입니다. 예: `tutor --profile live status`.
book-global-options-link = 모든 명령에 쓰는 옵션
book-the-commands = 명령 목록
book-arguments = 인자:
book-options = 옵션:
book-subcommands = 하위 명령:
book-and-global = { $link }도 함께 쓸 수 있습니다.
book-default = 기본값: { $value }.
book-one-of = 가능한 값: { $values }.
book-env-var = 환경 변수: { $name }.

## 원격 명령

book-remote-commands = 원격 명령
book-remote-intro = tutor는 서버를 절대 바꾸지 않습니다. 내 키로(비밀번호는 쓰지 않습니다) SSH 로그인을 하고, 이 페이지에 있는 읽기 전용 명령만 실행합니다. 이 명령들은 버전을 출력하고, 파일과 폴더가 있는지 찾아보고, 프로그램이 연결을 기다리는 포트를 나열합니다. 나머지는 모두 여느 방문자처럼 바깥에서 알아냅니다. DNS 조회를 하고, 개발 서버 포트와 웹 포트에 `/` 주소로 HTTP 요청을 한 번씩 보냅니다.
book-remote-sudo = `sudo`가 필요한 명령은 `sudo -n`으로 실행합니다. 이렇게 하면 비밀번호를 절대 묻지 않습니다. sudo가 비밀번호를 요구하면 점검은 판단할 수 없다고 알리고, 직접 실행할 명령을 알려 줍니다.
book-remote-values = 내 값(`<domain>`, `<site_dir>` 등으로 표시)은 명령을 보내기 전에 채워 넣고, 셸에서 안전하도록 따옴표로 감쌉니다.
book-remote-needs-sudo = sudo 필요: 예(`sudo -n`으로 실행하므로 비밀번호를 묻지 않습니다).
book-remote-no-sudo = sudo 필요: 아니요(내 로그인 사용자로 실행합니다).
book-shared-command = 여러 점검이 사실을 읽어 가는 명령 하나입니다(한 번만 실행됩니다): { $checks }.
book-shared-commands = 함께 쓰는 명령
book-uses-shared = 함께 쓰는 명령 { $command }의 출력을 읽습니다(그 명령은 이를 읽는 모든 점검을 위해 한 번만 실행됩니다).
book-remote-nginx-t = `sudo -n nginx -t`와 `nginx -T`에 대해: 이 명령들은 nginx 설정을 읽고 검사할 뿐, 설정도 nginx가 보여 주는 내용도 바꾸지 않습니다. 다만 엄밀히 읽기 전용은 아닙니다. root로 실행되면 nginx는 시작할 때처럼, 설정에 적힌 pid 파일, 로그 파일, 임시 폴더가 없을 경우 만들 수 있습니다.
book-who-listens = 포트에서 기다리는 프로그램 찾기
book-listen-once = 다음 명령은 `tutor check` 한 번에 많아야 한 번 실행합니다. 이 명령의 결과를 쓰는 점검: { $checks }.
book-check-commands = 점검별 명령
book-check-of-stage = { $title } ({ $stage } 단계)

## 프로브와 사실 (check-format.md에 들어가는 표)

book-col-probe = 프로브
book-col-probe-does = 하는 일
book-probe-profile = 프로필에 저장한 값 자체 (domain.valid)
book-probe-dns = 모든 리졸버에 보내는 A 레코드 조회 (dns.*)
book-probe-ssh = SSH 로그인 (ssh.*)
book-probe-cmd = 점검마다 정해진 읽기 전용 원격 명령 (cmd.exit, cmd.output)
book-probe-dev = 개발 서버 포트로 보내는 HTTP 요청 (dev.*)
book-probe-dev-listen = 서버 안에서 확인한 개발 서버 포트의 대기 상태 (dev.listen)
book-probe-web = nginx 포트로 보내는 HTTP 요청 (web.*)
book-probe-web-listen = 서버 안에서 확인한 HTTP 포트의 대기 상태 (web.listen)
book-probe-file = 서버의 파일이나 폴더(`path` 인수)와, 어떤 사용자(`user` 인수, 기본값은 내 로그인 사용자)가 그곳까지 들어가 읽을 수 있는지 (file.*)
book-probe-tls = 도메인을 서버 이름으로 보내는 HTTPS 포트의 TLS 핸드셰이크와, 그 인증서를 브라우저가 어떻게 볼지. 신뢰하는 인증 기관은 Mozilla 목록(Firefox가 쓰는 목록으로, tutor 안에 들어 있어 어느 컴퓨터에서나 같습니다)과 `tutor init --ca`로 준 파일의 인증 기관입니다 (tls.*)
book-probe-https = HTTPS 포트로 보내는 HTTPS 요청. 신뢰하는 인증 기관으로 인증서를 확인합니다 (https.*)
book-facts-intro = 프로브가 알려 주는 사실:
book-col-fact = 사실
book-col-values = 값
book-col-meaning = 뜻
book-fact-meaning = { $meaning } (프로브 { $probe })
book-value-text = 텍스트
book-value-number = 숫자
book-value-duration = 시간 길이, 예: `4m 30s`
book-value-status = 상태 코드(예: `200`) 또는 빈 값
book-value-class = `2xx`, `3xx`, `4xx`, `5xx` 또는 빈 값(응답이 없거나 도중에 끊긴 경우)
book-value-exit = 숫자, `timeout`, `signal NAME`, `none`, `no-login`
book-value-mode = 8진수 권한 값, 예: `644`
book-value-date = 날짜 `YYYY-MM-DD`, 또는 빈 값
book-value-days = 날짜 수(정수, 지났으면 음수), 또는 `unknown`

## 사실마다 뜻과, `observed` 문구에 나올 때 책에서 보이는 모양.

book-fact-domain-valid = 도메인이 올바른 호스트 이름인지 여부
book-fact-domain-valid-shown = <예 또는 아니요>
book-fact-domain-problem = 도메인이 올바르지 않은 이유(한 문장)
book-fact-domain-problem-shown = <이름의 문제점>
book-fact-dns-state = 모든 리졸버가 서버 주소로 응답함, 일부만 그러함, 다른 주소로 응답함, 이름을 아는 리졸버가 없음, 응답한 리졸버가 없음(값 순서대로)
book-fact-dns-state-shown = <상태>
book-fact-dns-agree = 서버 주소로 응답한 리졸버 수
book-fact-dns-agree-shown = <n>
book-fact-dns-total = 물어본 리졸버 수
book-fact-dns-total-shown = <n>
book-fact-dns-answered = 어떤 응답이든 보낸 리졸버 수
book-fact-dns-answered-shown = <n>
book-fact-dns-seen = 리졸버들이 알려 준 주소, 없으면 `no address`
book-fact-dns-seen-shown = <주소>
book-fact-dns-eta = 다른 리졸버가 예전 응답을 간직할 수 있는 시간(TTL로 계산)
book-fact-dns-eta-shown = <시간>
book-fact-dns-detail = 리졸버마다 응답한 내용, `; `로 구분
book-fact-dns-detail-shown = <리졸버별 응답>
book-fact-ssh-login = SSH 로그인 결과
book-fact-ssh-login-shown = <로그인 결과>
book-fact-ssh-fingerprint = 로그인한 뒤 확인한 서버의 호스트 키 지문
book-fact-ssh-fingerprint-shown = <지문>
book-fact-ssh-detail = 로그인할 때 일어난 일(한 문장)
book-fact-ssh-detail-shown = <SSH가 알린 내용>
book-fact-ssh-chatter = 서버의 시작 파일(~/.bashrc)이 tutor의 명령 앞뒤로 출력한 글(한 줄). 아무것도 출력하지 않으면 없습니다
book-fact-ssh-chatter-shown = <시작 파일 출력>
book-fact-cmd-exit = 점검 명령의 종료 상태
book-fact-cmd-exit-shown = <종료 상태>
book-fact-cmd-output = 명령이 출력한 내용 전체(출력과 오류를 합쳐 앞뒤 공백을 뺀 것)
book-fact-cmd-output-shown = <명령 출력>
book-fact-cmd-first-line = 출력의 첫 줄
book-fact-cmd-first-line-shown = <출력 첫 줄>
book-fact-cmd-last-line = 출력의 마지막 줄
book-fact-cmd-last-line-shown = <출력 마지막 줄>
book-fact-dev-connect = 개발 서버 포트에 연결한 결과
book-fact-dev-connect-shown = <연결 결과>
book-fact-dev-status = 응답의 HTTP 상태 코드
book-fact-dev-status-shown = <상태 코드>
book-fact-dev-class = 상태 코드의 분류
book-fact-dev-class-shown = <상태 분류>
book-fact-dev-title = 페이지의 `<title>`
book-fact-dev-title-shown = <페이지 제목>
book-fact-dev-server = `Server` 헤더
book-fact-dev-server-shown = <서버 이름>
book-fact-dev-body = 페이지 내용(앞의 64 KiB)
book-fact-dev-body-shown = <페이지 내용>
book-fact-dev-error = 무엇이 잘못되었는지(한 문장). 응답을 온전히 받았으면 빈 값
book-fact-dev-error-shown = <오류>
book-fact-dev-listen = 서버 안에서 본, 개발 서버 포트에서 연결을 기다리는 쪽: 아무도 없음, 127.0.0.1이나 ::1에서만 기다림, 바깥에서 닿는 주소에서 기다림. 확인 명령이 실패하면 `unknown`
book-fact-dev-listen-shown = <대기 상태>
book-fact-dev-listen-addr = 개발 서버 포트에서 연결을 기다리는 로컬 주소, 예: `127.0.0.1:8000`
book-fact-dev-listen-addr-shown = <주소>
book-fact-web-connect = 웹 포트에 연결한 결과
book-fact-web-connect-shown = <연결 결과>
book-fact-web-status = 응답의 HTTP 상태 코드
book-fact-web-status-shown = <상태 코드>
book-fact-web-class = 상태 코드의 분류
book-fact-web-class-shown = <상태 분류>
book-fact-web-title = 페이지의 `<title>`
book-fact-web-title-shown = <페이지 제목>
book-fact-web-server = `Server` 헤더
book-fact-web-server-shown = <서버 이름>
book-fact-web-body = 페이지 내용(앞의 64 KiB)
book-fact-web-body-shown = <페이지 내용>
book-fact-web-error = 무엇이 잘못되었는지(한 문장). 응답을 온전히 받았으면 빈 값
book-fact-web-error-shown = <오류>
book-fact-web-listen = 서버 안에서 본, 웹 포트에서 연결을 기다리는 쪽
book-fact-web-listen-shown = <대기 상태>
book-fact-web-listen-addr = 웹 포트에서 연결을 기다리는 로컬 주소
book-fact-web-listen-addr-shown = <주소>
book-fact-file-exists = 경로가 있는지 여부. 로그인하지 못했으면 `unknown`
book-fact-file-exists-shown = <yes 또는 no>
book-fact-file-type = 경로의 종류(링크는 따라감)
book-fact-file-type-shown = <파일 종류>
book-fact-file-mode = 권한 값
book-fact-file-mode-shown = <권한>
book-fact-file-owner = 소유한 사용자
book-fact-file-owner-shown = <소유자>
book-fact-file-group = 속한 그룹
book-fact-file-group-shown = <그룹>
book-fact-file-traverse = 사용자가 그 위의 모든 폴더에 들어갈 수 있는지 여부
book-fact-file-traverse-shown = <yes 또는 no>
book-fact-file-readable = 사용자가 열 수 있는지 여부(폴더라면 목록을 볼 수 있는지)
book-fact-file-readable-shown = <yes 또는 no>
book-fact-file-blocked-at = 위에서부터 보아 사용자가 처음으로 들어갈 수 없는 폴더. 없으면 빈 값
book-fact-file-blocked-at-shown = <폴더>
book-fact-tls-connect = HTTPS 포트에 TCP로 연결한 결과
book-fact-tls-connect-shown = <연결 결과>
book-fact-tls-handshake = TLS 핸드셰이크 결과: 끝남, 실패, 포트가 TLS 없이 응답함, 연결 없음
book-fact-tls-handshake-shown = <핸드셰이크>
book-fact-tls-verify = 브라우저가 인증서를 어떻게 볼지: 정상, 자체 서명, 모르는 발급자나 빠진 중간 인증서, 다른 이름, 기간 밖
book-fact-tls-verify-shown = <인증서 판정>
book-fact-tls-covers = 인증서의 이름에 도메인이 들어 있는지
book-fact-tls-covers-shown = <yes 또는 no>
book-fact-tls-names = 인증서가 발급된 DNS 이름들
book-fact-tls-names-shown = <이름들>
book-fact-tls-issuer = 인증서에 서명한 곳
book-fact-tls-issuer-shown = <발급자>
book-fact-tls-not-after = 인증서가 유효한 마지막 날
book-fact-tls-not-after-shown = <만료일>
book-fact-tls-days-left = 인증서가 며칠 남았는지
book-fact-tls-days-left-shown = <남은 날>
book-fact-tls-expiry = 기간이 정상인지, 14일 안에 끝나는지, 이미 지났는지, 아직 시작 전인지
book-fact-tls-expiry-shown = <만료 상태>
book-fact-tls-error = 무엇이 잘못되었는지(한 문장). 핸드셰이크가 끝났으면 빈 값
book-fact-tls-error-shown = <오류>
book-fact-dev-location = 응답의 `Location` 헤더(리디렉트가 가는 곳), 또는 빈 값
book-fact-dev-location-shown = <리디렉트 대상>
book-fact-dev-redirect = 응답이 어디로 리디렉트하는지: 이 도메인의 `https://`, 다른 곳, 없음
book-fact-dev-redirect-shown = <리디렉트>
book-fact-dev-django = 응답이 Django 앱에서 왔는지: `Server`가 runserver나 gunicorn이거나, Django 기본 미들웨어가 붙이는 헤더 가운데 두 개 이상이 있으면 `yes`(nginx 자체 페이지나 다른 서버에는 없습니다)
book-fact-dev-django-shown = <Django 응답 여부>
book-fact-dev-followed = 이 도메인 안에서 리디렉트를 따라간 결과: 페이지에 닿으면 빈 값, 도메인을 벗어나면 `elsewhere`, 돌고 돌면 `loop`, 대상에 연결하지 못하면 그 결과(`refused`, `timeout` 등)
book-fact-dev-followed-shown = <따라간 결과>
book-fact-dev-followed-url = 따라가다 멈춘 리디렉트 대상, 또는 빈 값
book-fact-dev-followed-url-shown = <리디렉트 대상>
book-fact-dev-followed-error = 리디렉트 대상이 응답하지 않은 이유를 주소와 포트를 넣어 한 문장으로, 그 밖에는 빈 값
book-fact-dev-followed-error-shown = <리디렉트 오류>
book-fact-web-location = 응답의 `Location` 헤더(리디렉트가 가는 곳), 또는 빈 값
book-fact-web-location-shown = <리디렉트 대상>
book-fact-web-redirect = 응답이 어디로 리디렉트하는지: 이 도메인의 `https://`, 다른 곳, 없음
book-fact-web-redirect-shown = <리디렉트>
book-fact-web-django = 응답이 Django 앱에서 왔는지: `Server`가 runserver나 gunicorn이거나, Django 기본 미들웨어가 붙이는 헤더 가운데 두 개 이상이 있으면 `yes`(nginx 자체 페이지나 다른 서버에는 없습니다)
book-fact-web-django-shown = <Django 응답 여부>
book-fact-web-followed = 이 도메인 안에서 리디렉트를 따라간 결과: 페이지에 닿으면 빈 값, 도메인을 벗어나면 `elsewhere`, 돌고 돌면 `loop`, 대상에 연결하지 못하면 그 결과(`refused`, `timeout` 등)
book-fact-web-followed-shown = <따라간 결과>
book-fact-web-followed-url = 따라가다 멈춘 리디렉트 대상, 또는 빈 값
book-fact-web-followed-url-shown = <리디렉트 대상>
book-fact-web-followed-error = 리디렉트 대상이 응답하지 않은 이유를 주소와 포트를 넣어 한 문장으로, 그 밖에는 빈 값
book-fact-web-followed-error-shown = <리디렉트 오류>
book-fact-https-connect = HTTPS 포트에 연결한 결과(`tls`: TLS 핸드셰이크 실패, tls.* 참고)
book-fact-https-connect-shown = <연결 결과>
book-fact-https-status = 응답의 HTTP 상태 코드
book-fact-https-status-shown = <상태>
book-fact-https-class = 상태 코드의 종류
book-fact-https-class-shown = <상태 종류>
book-fact-https-title = 페이지의 `<title>`
book-fact-https-title-shown = <페이지 제목>
book-fact-https-server = `Server` 헤더
book-fact-https-server-shown = <서버 이름>
book-fact-https-body = 페이지 내용(앞의 64 KiB)
book-fact-https-body-shown = <페이지 내용>
book-fact-https-error = 무엇이 잘못되었는지(한 문장). 응답을 온전히 받았으면 빈 값
book-fact-https-error-shown = <오류>
book-fact-https-location = 응답의 `Location` 헤더(리디렉트가 가는 곳), 또는 빈 값
book-fact-https-location-shown = <리디렉트 대상>
book-fact-https-redirect = 응답이 어디로 리디렉트하는지: 이 도메인의 `https://`, 다른 곳, 없음
book-fact-https-redirect-shown = <리디렉트>
book-fact-https-django = 응답이 Django 앱에서 왔는지: `Server`가 runserver나 gunicorn이거나, Django 기본 미들웨어가 붙이는 헤더 가운데 두 개 이상이 있으면 `yes`(nginx 자체 페이지나 다른 서버에는 없습니다)
book-fact-https-django-shown = <Django 응답 여부>
book-fact-https-followed = 이 도메인 안에서 리디렉트를 따라간 결과: 페이지에 닿으면 빈 값, 도메인을 벗어나면 `elsewhere`, 돌고 돌면 `loop`, 대상에 연결하지 못하면 그 결과(`refused`, `timeout` 등)
book-fact-https-followed-shown = <따라간 결과>
book-fact-https-followed-url = 따라가다 멈춘 리디렉트 대상, 또는 빈 값
book-fact-https-followed-url-shown = <리디렉트 대상>
book-fact-https-followed-error = 리디렉트 대상이 응답하지 않은 이유를 주소와 포트를 넣어 한 문장으로, 그 밖에는 빈 값
book-fact-https-followed-error-shown = <리디렉트 오류>

## 자리 표시 (getting-started.md와 lesson-format.md에 들어가는 표)

book-col-in-files = 파일에서
book-col-in-book = 책에서
book-col-stands-for = 뜻
book-undocumented = (설명 없음)
book-placeholder-domain = 스테이징 도메인, 예: `superlists-staging.example.com`
book-placeholder-live-domain = 운영 도메인(입력하지 않았으면 `www.` + 스테이징 도메인의 상위 도메인)
book-placeholder-server-ip = 서버의 IPv4 주소
book-placeholder-user = 서버에 로그인할 사용자(root가 아닌 사용자)
book-placeholder-ssh-port = 서버의 SSH 포트, 보통 `22`
book-placeholder-ssh = 로그인할 때 쓰는 명령, 예: `ssh elspeth@superlists-staging.example.com`
book-placeholder-site-dir = 서버에서 사이트가 있는 폴더, 기본값은 `~/sites/` 뒤에 도메인을 붙인 경로
book-placeholder-dev-port = Django 개발 서버의 포트, 기본값 `8000`
book-placeholder-dev-url = 개발 서버 주소: `http://` + 도메인 + `:` + 개발 서버 포트 + `/`
book-placeholder-http-port = nginx가 연결을 기다리는 포트, 기본값 `80`
book-placeholder-site-url = nginx를 거친 사이트 주소: `http://` + 도메인 + `/`(포트가 80이 아니면 도메인 뒤에 `:` + 포트)
book-placeholder-https-port = nginx가 HTTPS를 내주는 포트, 보통 `443`
book-placeholder-https-url = HTTPS로 본 사이트 주소, 예: `https://superlists-staging.example.com/`
book-placeholder-repo-url = 프로젝트 git 저장소의 URL
book-placeholder-socket = gunicorn의 유닉스 소켓 위치. 프로필의 `gunicorn_socket`, 기본값은 `/run/gunicorn-` 뒤에 도메인과 `.socket`을 붙인 경로
book-placeholder-service = gunicorn의 systemd 유닛 이름. `gunicorn-` 뒤에 도메인을 붙인 이름(그 뒤에 `.service`나 `.socket`)
book-placeholder-site-path = 유닛 파일에 쓰는 사이트 폴더의 전체 경로(systemd는 `~`를 풀어 주지 않습니다). `~/`는 `/home/` 뒤에 사용자 이름을 붙인 경로가 됩니다
book-placeholder-static-root = `collectstatic`이 정적 파일을 모으는 곳. 사이트의 전체 경로 뒤에 `/static`을 붙인 경로
