// Field app messages: first run (enrollment) and sign-in with the offline PIN. Both languages side by side; the
// type makes a key missing from `en` a compile error. Terms follow domain.md §10.
export const zh = {
  'field.start.title': '首次使用',
  'field.start.intro':
    '本设备将在执法中心登记：设备生成自己的密钥并交给中心登记，此后每条记录都由本设备签名。登记需要联网，且只需一次。',
  'field.start.intro_pin':
    '请设置6位离线密码（PIN）：没有网络时也用它登录本设备。密码只保存在本设备上，不会发送给中心。',
  'field.start.server': '执法中心地址',
  'field.start.server_hint': '例如 https://zhifa.example.gov.cn，由中心管理员提供',
  'field.start.code': '一次性注册码',
  'field.start.code_hint': '由中心管理员提供，只能使用一次',
  'field.start.label': '设备名称',
  'field.start.label_default': '现场执法终端',
  'field.start.label_hint': '中心看到的本设备名称，例如“执法平板 03”',
  'field.start.ca': '中心证书（可选）',
  'field.start.ca_hint':
    '中心使用自建证书（省级 CA 或自签证书）时，选择中心管理员提供的证书文件（.pem / .crt）；此后本设备只信任该证书。中心使用公共证书时不用选。',
  'field.start.ca_choose': '选择证书文件',
  'field.start.ca_chosen': '已选证书：{name}',
  'field.start.ca_clear': '不用此证书',
  'field.start.ca_too_big': '所选文件 {name} 太大（{kb} KB），不是证书文件；证书文件通常只有几 KB。',
  'field.start.ca_unreadable': '无法读取所选文件 {name}，请重新选择。',
  'field.start.pin': '离线密码（6位数字）',
  'field.start.pin_again': '再次输入离线密码',
  'field.start.pin_hint': '不要使用 123456、000000 这类容易猜到的数字',
  'field.start.pin_mismatch': '两次输入的离线密码不一致，请重新输入。',
  'field.start.submit': '登记本设备',
  'field.start.working': '正在登记…',

  'field.start.signin_title': '输入离线密码',
  'field.start.signin_user': '{name}，请输入6位离线密码登录。',
  'field.start.signin_nobody': '请输入6位离线密码登录。',
  'field.start.pin_entered': '已输入 {n}/6 位',
  'field.start.key_delete': '删除',
  'field.start.key_digit': '数字 {n}',
  'field.start.confirm': '登录',
  'field.start.checking': '正在验证…',

  'field.start.locked_title': '本设备已被吊销并锁定',
  'field.start.locked_body':
    '执法中心已吊销本设备（例如报告遗失）。本机上尚未发送的记录、照片和文件已封存：不会删除，也不会被修改，但在恢复前不能查看或使用。',
  'field.start.locked_contact': '请联系中心管理员核实并恢复本设备。恢复后，本设备在下次联网时自动解锁，并把封存的记录送达中心。',
  'field.start.locked_center': '中心的说明：{reason}',
  'field.start.locked_since': '本机于 {at} 得知被吊销（中心 {server}）。',
  'field.start.locked_check': '检查是否已恢复',
  'field.start.locked_checking': '正在询问中心…',
  'field.start.locked_still': '中心仍显示本设备已吊销。',

  'field.start.failed_title': '应用无法打开本机数据',
  'field.start.failed_key_store':
    '本机数据已加密，它的密钥保存在系统密钥库（钥匙串）中，但现在无法使用系统密钥库，例如系统的密钥服务没有运行。本机数据没有受到影响。',
  'field.start.failed_key_store_do':
    '请联系管理员检查本设备的系统密钥服务（钥匙串）；服务恢复后点“重试”。',
  'field.start.failed_store_key':
    '本机数据已加密，但它的密钥在系统密钥库中缺失或不符（也可能是数据文件已损坏）。没有这把密钥，本机数据无法打开。',
  'field.start.failed_store_key_do':
    '请不要重置应用、清除应用数据或删除任何文件：那样会永久丢失尚未送达中心的记录。请立即联系管理员。',
  'field.start.failed_other': '打开本机数据时出错，详见下方的错误信息。',
  'field.start.failed_other_do':
    '请点“重试”；如果仍然出错，请把下方的错误信息告诉管理员。不要删除本机数据。',
  'field.start.failed_detail': '错误信息（供技术支持）',
  'field.start.failed_store': '数据位置：{path}',
  'field.start.failed_retry': '重试',
  'field.start.failed_retrying': '正在重试…',
  'field.start.failed_still': '仍然无法打开本机数据。',
} as const;

export const en: Record<keyof typeof zh, string> = {
  'field.start.title': 'First use',
  'field.start.intro':
    'This device registers with the enforcement center: it makes its own key and the center records it, so every record from now on is signed by this device. Registering needs the network, once.',
  'field.start.intro_pin':
    'Choose a 6-digit offline PIN: it signs you in on this device even without a network. The PIN stays on this device and is never sent to the center.',
  'field.start.server': 'Enforcement center address',
  'field.start.server_hint': 'For example https://center.example.org, from the center administrator',
  'field.start.code': 'One-time enrollment code',
  'field.start.code_hint': 'From the center administrator; it works once',
  'field.start.label': 'Device name',
  'field.start.label_default': 'Field enforcement device',
  'field.start.label_hint': 'What the center calls this device, e.g. "Tablet 03"',
  'field.start.ca': 'Center certificate (optional)',
  'field.start.ca_hint':
    'When the center uses its own certificate (a provincial CA or a self-signed one), choose the certificate file (.pem / .crt) from the center administrator; this device then trusts only that certificate. Leave it out when the center uses a public certificate.',
  'field.start.ca_choose': 'Choose the certificate file',
  'field.start.ca_chosen': 'Certificate chosen: {name}',
  'field.start.ca_clear': 'Do not use this certificate',
  'field.start.ca_too_big': 'The file {name} is too large ({kb} KB) to be a certificate; a certificate file is a few KB.',
  'field.start.ca_unreadable': 'The file {name} could not be read. Choose it again.',
  'field.start.pin': 'Offline PIN (6 digits)',
  'field.start.pin_again': 'Offline PIN again',
  'field.start.pin_hint': 'Avoid easy guesses such as 123456 or 000000',
  'field.start.pin_mismatch': 'The two PIN entries differ. Enter them again.',
  'field.start.submit': 'Register this device',
  'field.start.working': 'Registering…',

  'field.start.signin_title': 'Enter your offline PIN',
  'field.start.signin_user': '{name}, enter your 6-digit offline PIN to sign in.',
  'field.start.signin_nobody': 'Enter your 6-digit offline PIN to sign in.',
  'field.start.pin_entered': '{n} of 6 digits entered',
  'field.start.key_delete': 'Delete',
  'field.start.key_digit': 'Digit {n}',
  'field.start.confirm': 'Sign in',
  'field.start.checking': 'Checking…',

  'field.start.locked_title': 'This device was revoked and is locked',
  'field.start.locked_body':
    'The enforcement center revoked this device (for example, it was reported lost). The records, photos and files not yet sent are sealed on it: not deleted and not changed, but they cannot be viewed or used until the device is reinstated.',
  'field.start.locked_contact': 'Contact the center administrator to check and reinstate this device. Once reinstated, it unlocks at its next connection and sends the sealed records to the center.',
  'field.start.locked_center': 'The center said: {reason}',
  'field.start.locked_since': 'This device learnt of the revocation at {at} (center {server}).',
  'field.start.locked_check': 'Check whether it was reinstated',
  'field.start.locked_checking': 'Asking the center…',
  'field.start.locked_still': 'The center still holds this device as revoked.',

  'field.start.failed_title': 'The app cannot open the data on this device',
  'field.start.failed_key_store':
    'The data on this device is encrypted and its key is kept in the system key store (keyring), which cannot be used now: for example, the system keyring service is not running. The data on this device is unharmed.',
  'field.start.failed_key_store_do':
    'Ask the administrator to check the system keyring service on this device; once it runs, press "Retry".',
  'field.start.failed_store_key':
    'The data on this device is encrypted, and its key is missing from the system key store or is not the right one (or the data file is damaged). Without its key the data cannot be opened.',
  'field.start.failed_store_key_do':
    'Do NOT reset the app, clear its data or delete any files: the records not yet sent to the center would be lost for good. Contact the administrator now.',
  'field.start.failed_other': 'Opening the data on this device failed; the error is below.',
  'field.start.failed_other_do':
    'Press "Retry"; if it fails again, give the administrator the error below. Do not delete the data on this device.',
  'field.start.failed_detail': 'Error (for technical support)',
  'field.start.failed_store': 'Data folder: {path}',
  'field.start.failed_retry': 'Retry',
  'field.start.failed_retrying': 'Retrying…',
  'field.start.failed_still': 'The data on this device still cannot be opened.',
};
