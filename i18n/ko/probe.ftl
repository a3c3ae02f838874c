# 로그인에 실패했을 때 SSH 점검이 하는 말 (src/probe/ssh/).

ssh-refused = { $addr } 쪽에서 연결을 거부했습니다. 그 서버의 { $port }번 포트에서 기다리는 SSH 서버가 없거나, 방화벽이 연결을 거부합니다.
ssh-no-answer = { $timeout } 안에 { $addr } 쪽에서 응답이 없습니다. 서버가 꺼져 있거나, 주소가 틀렸거나, 방화벽이 연결을 조용히 버리고 있습니다.
ssh-connect-failed = { $addr } 주소로 연결하지 못했습니다: { $error }.
ssh-no-address = { $host } 이름에는 연결할 주소가 없습니다.
ssh-name-no-address = { $host } 이름에는 주소가 없습니다.
ssh-name-unresolved = { $host } 이름의 주소를 찾지 못했습니다: { $error }.
ssh-name-slow = { $host } 이름의 주소를 찾는 데 { $timeout }보다 오래 걸렸습니다.
ssh-handshake-timeout = { $addr } 쪽에서 연결은 받았지만 { $timeout } 안에 SSH 핸드셰이크가 끝나지 않았습니다(그 포트에서 SSH 서버가 돌고 있나요?).
ssh-handshake-closed = { $addr } 쪽에서 SSH 핸드셰이크 도중 연결을 끊었습니다({ $error }). SSH 서버가 아니거나 이 클라이언트를 거부하는 것일 수 있습니다.
ssh-handshake-failed = { $addr } 주소와의 SSH 핸드셰이크가 실패했습니다: { $error }.
ssh-stopped-answering = 로그인 도중 { $addr } 쪽의 응답이 끊겼습니다.
ssh-stopped-at-start = 로그인을 시작하자마자 { $addr } 쪽의 응답이 끊겼습니다.
ssh-max-auth-tries = 키를 { $count }개 내밀자 { $addr } 쪽에서 연결을 끊었습니다. sshd는 연결 하나에 MaxAuthTries(기본 6)번까지만 시도를 허용하므로, 맞는 키를 더 앞에 두거나 에이전트의 키 수를 줄여야 합니다(거부된 키: { $keys }).
ssh-first-step-failed = { $addr } 서버에 { $user } 사용자로 로그인하는 첫 단계에서 실패했습니다: { $error }.
ssh-no-publickey = { $addr } 서버는 { $user } 사용자에게 SSH 키 로그인을 허용하지 않습니다(허용하는 방식: { $methods }).
ssh-no-key = { $addr } 서버에 { $user } 사용자로 로그인할 키가 없었습니다: { $agent }, 그리고 { $files }.
ssh-agent-empty = ssh-agent에 키가 하나도 없습니다
ssh-no-agent = ssh-agent가 없습니다(SSH_AUTH_SOCK이 설정되지 않았습니다)
ssh-agent-unused = 에이전트를 쓰지 않습니다
ssh-no-key-file = 설정된 키 파일이 없습니다
ssh-key-files-missing = { $files } 파일이 하나도 없습니다
ssh-none-accepted = { $addr } 서버가 { $user } 사용자에게 내민 키를 하나도 받아들이지 않았습니다(시도한 키: { $keys }).
ssh-host-key-unknown = 서버의 { $kind } 호스트 키 { $fingerprint }가 아직 known_hosts에 없습니다. 그래서 이 서버가 내 서버라는 증거가 없습니다.
ssh-host-key-changed = 서버의 호스트 키 { $fingerprint }가 { $file } 파일 { $line }번째 줄에 기록된 키와 다릅니다. 서버를 다시 설치했거나 중간에 무언가가 끼어 있으므로 tutor는 로그인하지 않습니다.
ssh-passphrase-needed = { $path } 키는 암호 문구로 보호되어 있는데 암호 문구를 받지 못했습니다(입력하거나 ssh-add로 키를 에이전트에 올립니다).
