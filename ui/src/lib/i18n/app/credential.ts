// Field app messages: verifying someone's enforcement credential (扫码验证), offline, with the
// center's keys on this device. The verdict's own words are shared with the public check page
// (`credential.*` in the center catalogue). Both languages side by side; the type makes a key
// missing from `en` a compile error. Terms follow domain.md §10.
export const zh = {
  'field.credential.open': '验证执法证',
  'field.credential.title': '验证执法证',
  'field.credential.intro':
    '粘贴扫码得到的二维码内容，或拍摄二维码照片。验证在本机离线完成，使用本机保存的执法中心公钥和吊销清单。',
  'field.credential.text_label': '二维码内容',
  'field.credential.text_hint': 'FC1.…',
  'field.credential.verify': '验证',
  'field.credential.checking': '正在验证…',
  'field.credential.photo': '拍摄二维码',
  'field.credential.photo_files': '选择二维码图片',
  'field.credential.reading': '正在读取图片 {name}…',
  'field.credential.too_large': '图片过大（超过 {mb} MB），请重新拍摄',
  'field.credential.from_photo': '二维码读自照片 {name}',
  'field.credential.again': '验证下一个',
  'field.credential.keyring': '本机中心公钥版本 {seq}',
  'field.credential.token': '读出的二维码内容',
} as const;

export const en: Record<keyof typeof zh, string> = {
  'field.credential.open': 'Verify a credential',
  'field.credential.title': 'Verify a credential',
  'field.credential.intro':
    'Paste the text a QR scanner read from the code, or take a picture of the code. Verification happens offline on this device, with the center keys and revocation list it holds.',
  'field.credential.text_label': 'Code text',
  'field.credential.text_hint': 'FC1.…',
  'field.credential.verify': 'Verify',
  'field.credential.checking': 'Verifying…',
  'field.credential.photo': 'Take a picture of the code',
  'field.credential.photo_files': 'Choose a picture of the code',
  'field.credential.reading': 'Reading the picture {name}…',
  'field.credential.too_large': 'The picture is larger than {mb} MB: take it again',
  'field.credential.from_photo': 'Code read from the picture {name}',
  'field.credential.again': 'Verify another',
  'field.credential.keyring': 'Center key set on this device: version {seq}',
  'field.credential.token': 'The code\'s text',
};
