import { IsNotEmpty, IsString, MaxLength } from 'class-validator';

/** Body of `POST /miniprogram_auth/phoneNumber`: the code from the `getPhoneNumber` button. @publicApi */
export class PhoneNumberDto {
  @IsString()
  @IsNotEmpty()
  @MaxLength(256)
  code!: string;
}
