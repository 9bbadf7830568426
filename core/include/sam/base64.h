/* Base64 (RFC 4648 §4, with padding) and base64url (§5, no padding, for JWS). */
#ifndef SAM_BASE64_H
#define SAM_BASE64_H

#include <stddef.h>
#include <stdint.h>

/* Encoded length including the terminating NUL. */
size_t sam_base64_encoded_size(size_t len);
/* Encode into out (capacity >= sam_base64_encoded_size(len)); NUL-terminated. */
void sam_base64_encode(const uint8_t *in, size_t len, char *out);
void sam_base64url_encode(const uint8_t *in, size_t len, char *out);

/*
 * Strict decoding: no whitespace, correct padding (base64) or none
 * (base64url), zero unused bits. out needs (len / 4 + 1) * 3 bytes.
 * Returns SAM_OK or SAM_E_PARSE (with a detail message).
 */
int sam_base64_decode(const char *in, size_t len, uint8_t *out, size_t *out_len);
int sam_base64url_decode(const char *in, size_t len, uint8_t *out, size_t *out_len);
/* Capacity needed to decode len characters. */
size_t sam_base64_decoded_cap(size_t len);

/* Allocating variants: *out is malloc'd (free()). */
int sam_base64_decode_alloc(const char *in, size_t len, uint8_t **out, size_t *out_len);
char *sam_base64_encode_alloc(const uint8_t *in, size_t len);

#endif
