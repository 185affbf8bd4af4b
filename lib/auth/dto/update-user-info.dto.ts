import { IsNotEmpty, IsString, MaxLength } from 'class-validator';

/** Body of `POST /miniprogram_auth/updateUserInfo`: the `encryptedData` and `iv` of `wx.getUserInfo()`. @publicApi */
export class UpdateUserInfoDto {
  @IsString()
  @IsNotEmpty()
  @MaxLength(64)
  iv!: string;

  @IsString()
  @IsNotEmpty()
  @MaxLength(65536)
  encryptedData!: string;
}
