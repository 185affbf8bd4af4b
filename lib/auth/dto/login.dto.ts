import { IsNotEmpty, IsString, MaxLength } from 'class-validator';

/** Body of `POST /miniprogram_auth/login`. @publicApi */
export class LoginDto {
  /** The code from `wx.login()`. */
  @IsString()
  @IsNotEmpty()
  @MaxLength(256)
  code!: string;
}
