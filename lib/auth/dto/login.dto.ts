import { IsNotEmpty, IsString, MaxLength } from 'class-validator';
import { ApiProperty } from '../../utils/openapi.util';

/** Body of `POST /miniprogram_auth/login`. @publicApi */
export class LoginDto {
  /** The code from `wx.login()`. */
  @ApiProperty({
    description: 'The single-use code from `wx.login()` (valid for 5 minutes).',
    minLength: 1,
    maxLength: 256,
    example: '0a3Xkl000Fq3bR1Q0B200nTxsv3Xkl0k',
  })
  @IsString()
  @IsNotEmpty()
  @MaxLength(256)
  code!: string;
}
