import { IsNotEmpty, IsString, MaxLength } from 'class-validator';
import { ApiProperty } from '../../utils/openapi.util';

/** Body of `POST /miniprogram_auth/updateUserInfo`: the `encryptedData` and `iv` of `wx.getUserInfo()`. @publicApi */
export class UpdateUserInfoDto {
  @ApiProperty({
    description: 'Base64 of the 16-byte IV from `wx.getUserInfo()`.',
    minLength: 1,
    maxLength: 64,
    example: 'r7BXXKkLb8qrSNn05n0qiA==',
  })
  @IsString()
  @IsNotEmpty()
  @MaxLength(64)
  iv!: string;

  @ApiProperty({
    description:
      'Base64 AES-128-CBC ciphertext from `wx.getUserInfo()`, under the session key of the last login. Other fields (`rawData`, `signature`, …) are ignored.',
    minLength: 1,
    maxLength: 65536,
    example:
      'CiyLU1Aw2KjvrjMdj8YKliAjtP4gsMZMQmRzooG2xrDcvSnxIMXFufNstNGTyaGS9uT5geRa0W4oTOb1WT7fJlAC+oNPdbB+3hVbJSRgv+4lGOETKUQz6OYStslQ142d',
  })
  @IsString()
  @IsNotEmpty()
  @MaxLength(65536)
  encryptedData!: string;
}
