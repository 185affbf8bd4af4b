import { IsNotEmpty, IsString, MaxLength } from 'class-validator';
import { ApiProperty } from '../../utils/openapi.util';

/** Body of `POST /miniprogram_auth/phoneNumber`: the code from the `getPhoneNumber` button. @publicApi */
export class PhoneNumberDto {
  @ApiProperty({
    description: 'The `code` of the `getPhoneNumber` button event (not the login code).',
    minLength: 1,
    maxLength: 256,
    example: 'e31968a7f94cc5ee25fafc2aef2773f0bb8c3937b22520eb8ee345274d00c144',
  })
  @IsString()
  @IsNotEmpty()
  @MaxLength(256)
  code!: string;
}
