import Foundation
import Mail

/// The letters of registration and recovery, written for this portal.
enum AuthMails {
    static func registrationCode(_ code: String, to email: String, from: MailAddress, now: Date) -> MailMessage {
        MailMessage(
            from: from, to: [MailAddress(email)], subject: "Код подтверждения регистрации: \(code)",
            text: """
                Здравствуйте!

                Вы регистрируетесь в личном кабинете клиента – юридического лица.
                Код подтверждения адреса электронной почты: \(code)

                Код действует 15 минут. Если вы не регистрировались, просто удалите это письмо: без кода учетная запись создана не будет.
                """,
            date: now)
    }

    static func alreadyRegistered(to email: String, from: MailAddress, now: Date) -> MailMessage {
        MailMessage(
            from: from, to: [MailAddress(email)], subject: "Попытка повторной регистрации",
            text: """
                Здравствуйте!

                Кто-то пытался зарегистрироваться в личном кабинете с вашим адресом электронной почты. Учетная запись с этим адресом уже есть, поэтому новая создана не была.

                Если это были вы и вы не помните пароль, воспользуйтесь ссылкой «Вспомнить пароль» на странице входа. Если это были не вы, ничего делать не нужно.
                """,
            date: now)
    }

    static func recoveryCode(_ code: String, to email: String, from: MailAddress, now: Date) -> MailMessage {
        MailMessage(
            from: from, to: [MailAddress(email)], subject: "Код для смены пароля: \(code)",
            text: """
                Здравствуйте!

                Для вашей учетной записи в личном кабинете запрошена смена пароля.
                Код: \(code)

                Код действует 15 минут. Если вы не запрашивали смену пароля, не сообщайте код никому и удалите это письмо: пароль останется прежним.
                """,
            date: now)
    }

    static func emailChangeCode(_ code: String, to email: String, from: MailAddress, now: Date) -> MailMessage {
        MailMessage(
            from: from, to: [MailAddress(email)], subject: "Код подтверждения адреса: \(code)",
            text: """
                Здравствуйте!

                Этот адрес указан в профиле личного кабинета клиента – юридического лица.
                Код подтверждения: \(code)

                Код действует 15 минут. Пока адрес не подтвержден, оплата в личном кабинете недоступна.
                """,
            date: now)
    }
}
