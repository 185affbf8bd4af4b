/**
 * What to do about a client certificate Node could not load (`pay.clientCert`), from the loader's error.
 * @internal
 */
export function certificateAdvice(error: unknown): string {
  const message = error instanceof Error ? error.message : String(error);
  if (/unsupported/i.test(message)) {
    return (
      'the PKCS#12 file uses legacy encryption that OpenSSL 3 (Node >= 17) no longer reads. Convert it: ' +
      '`openssl pkcs12 -in apiclient_cert.p12 -legacy -nodes -out apiclient.pem` and pass { cert, key } as PEM, ' +
      'or re-export it with `openssl pkcs12 -export` (modern encryption)'
    );
  }
  if (/mac verify|bad decrypt|wrong password|passphrase/i.test(message)) {
    return 'the PKCS#12 passphrase is wrong (WeChat sets it to the mch_id unless you changed it)';
  }
  if (/key values mismatch|KEY_VALUES_MISMATCH/i.test(message)) return 'the private key does not belong to the certificate';
  if (error instanceof TypeError && message.startsWith('pay.clientCert')) return message;
  return `the client certificate cannot be loaded (${message.replace(/\s+/g, ' ').slice(0, 120)})`;
}
