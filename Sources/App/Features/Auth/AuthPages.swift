import Markup

/// Errors of a form, by field name, plus one for the whole form.
struct FormErrors: Sendable, Equatable {
    var fields: [String: String] = [:]
    var form: String?

    var isEmpty: Bool { fields.isEmpty && form == nil }
    subscript(name: String) -> String? {
        get { fields[name] }
        set { fields[name] = newValue }
    }
}

/// The sign-in page (manual §2.1, §2.3; AUTH-1).
struct LoginPage: Sendable {
    var context: ShellContext
    var csrf: String
    var email = ""
    var errors = FormErrors()
    var notice: String?

    static let mock = LoginPage(context: .anonymous, csrf: "token", email: "buh@romashka.ru")

    func render() -> HTML {
        Layout.page(
            title: "Вход", context: context,
            content: """
                <section class="auth-card">
                <h1>Вход в личный кабинет</h1>
                \(Forms.alert(notice, kind: "info"))
                \(Forms.alert(errors.form))
                <form method="post" action="\(SitePath.login.path)" novalidate>
                \(Forms.csrf(csrf))
                \(Forms.input(name: "email", label: "E-mail", value: email, error: errors["email"], autocomplete: "username", autofocus: email.isEmpty))
                \(Forms.input(name: "password", label: "Пароль", type: "password", error: errors["password"], autocomplete: "current-password", autofocus: !email.isEmpty))
                <button class="button button-wide" type="submit">Войти</button>
                </form>
                <p class="auth-links"><a href="\(SitePath.register.path)">Регистрация</a><a href="\(SitePath.recover.path)">Вспомнить пароль</a></p>
                <p><a class="button button-secondary button-wide" href="\(SitePath.manual.path)">Инструкция пользователя</a></p>
                </section>
                """)
    }
}

/// «Регистрация» (manual §2.2; AUTH-2).
struct RegisterPage: Sendable {
    var context: ShellContext
    var csrf: String
    var email = ""
    var agreed = false
    var marketing = false
    var errors = FormErrors()

    static let mock = RegisterPage(context: .anonymous, csrf: "token")

    func render() -> HTML {
        Layout.page(
            title: "Регистрация", context: context,
            content: """
                <section class="auth-card">
                <h1>Регистрация</h1>
                \(Forms.alert(errors.form))
                <form method="post" action="\(SitePath.register.path)" novalidate>
                \(Forms.csrf(csrf))
                \(Forms.input(name: "email", label: "E-mail", type: "email", value: email, error: errors["email"], autocomplete: "email", autofocus: true))
                \(Forms.input(name: "password", label: "Пароль", type: "password", error: errors["password"], autocomplete: "new-password"))
                <p class="hint">Не менее 8 символов. Подойдут любые буквы, цифры и знаки.</p>
                \(Forms.checkbox(name: "agree", label: "Я принимаю <a href=\"\(SitePath.agreement.path)\" target=\"_blank\">пользовательское соглашение</a>", checked: agreed, error: errors["agree"], required: true))
                \(Forms.checkbox(name: "marketing", label: "Я согласен получать рекламно-информационную рассылку", checked: marketing))
                <button class="button button-wide" type="submit">Зарегистрироваться</button>
                </form>
                <p class="auth-links"><a href="\(SitePath.login.path)">Вход для зарегистрированных пользователей</a></p>
                </section>
                """)
    }
}

/// The code window shown over a form (manual §2.2, figure 3), for registration and recovery.
struct CodePage: Sendable {
    enum Purpose: Sendable { case registration, recovery }

    var context: ShellContext
    var csrf: String
    var purpose: Purpose
    var email: String
    var errors = FormErrors()
    var notice: String?

    static let mock = CodePage(context: .anonymous, csrf: "token", purpose: .registration, email: "buh@romashka.ru")

    var action: SitePath { purpose == .registration ? .registerCode : .recoverCode }
    var resend: SitePath { purpose == .registration ? .registerResend : .recoverResend }

    func render() -> HTML {
        let title = purpose == .registration ? "Подтверждение электронной почты" : "Восстановление пароля"
        let passwordFields: HTML =
            purpose == .recovery
            ? """
            \(Forms.input(name: "password", label: "Новый пароль", type: "password", error: errors["password"], autocomplete: "new-password"))
            \(Forms.input(name: "repeat", label: "Повторите пароль", type: "password", error: errors["repeat"], autocomplete: "new-password"))
            """ : .empty
        return Layout.page(
            title: title, context: context,
            content: """
                <div class="modal-backdrop">
                <section class="modal" role="dialog" aria-modal="true" aria-labelledby="code-title">
                <h1 id="code-title">\(title)</h1>
                <p>Мы отправили письмо с кодом на адрес <b>\(email)</b>. Код действует 15 минут.</p>
                \(Forms.alert(notice, kind: "info"))
                \(Forms.alert(errors.form))
                <form method="post" action="\(action.path)" novalidate>
                \(Forms.csrf(csrf))
                \(Forms.input(name: "code", label: "Код из письма", error: errors["code"], autocomplete: "one-time-code", inputmode: "numeric", autofocus: true))
                \(passwordFields)
                <button class="button button-wide" type="submit">\(purpose == .registration ? "Подтвердить" : "Сохранить пароль")</button>
                </form>
                <form method="post" action="\(resend.path)" class="inline-form">
                \(Forms.csrf(csrf))
                <button class="link-button" type="submit">Отправить повторно</button>
                </form>
                </section>
                </div>
                """)
    }
}

/// «Давайте познакомимся» (manual §2.2, figure 4; AUTH-3).
struct WelcomePage: Sendable {
    struct Values: Sendable, Equatable {
        var lastName = "", firstName = "", middleName = "", organization = "", position = "", address = ""
    }

    var context: ShellContext
    var csrf: String
    var values = Values()
    var errors = FormErrors()

    static let mock = WelcomePage(context: .anonymous, csrf: "token")

    func render() -> HTML {
        Layout.page(
            title: "Давайте познакомимся", context: context,
            content: """
                <section class="auth-card">
                <h1>Давайте познакомимся</h1>
                <p class="hint">Без этих данных продолжить работу с личным кабинетом невозможно.</p>
                <form method="post" action="\(SitePath.welcome.path)" novalidate>
                \(Forms.csrf(csrf))
                \(Self.fields(values, errors))
                <button class="button button-wide" type="submit">Сохранить</button>
                </form>
                </section>
                """)
    }
}

extension WelcomePage {
    /// Фамилия, имя, отчество, организация, должность, адрес: here and in «Редактирование профиля».
    static func fields(_ values: Values, _ errors: FormErrors) -> HTML {
        """
        \(Forms.input(name: "lastName", label: "Фамилия", value: values.lastName, error: errors["lastName"], autocomplete: "family-name", autofocus: true))
        \(Forms.input(name: "firstName", label: "Имя", value: values.firstName, error: errors["firstName"], autocomplete: "given-name"))
        \(Forms.input(name: "middleName", label: "Отчество", value: values.middleName, error: errors["middleName"], autocomplete: "additional-name", required: false))
        \(Forms.input(name: "organization", label: "Организация", value: values.organization, error: errors["organization"], autocomplete: "organization"))
        \(Forms.input(name: "position", label: "Должность", value: values.position, error: errors["position"], autocomplete: "organization-title"))
        \(Forms.input(name: "address", label: "Адрес", value: values.address, error: errors["address"], autocomplete: "street-address"))
        """
    }
}

/// The phone form (manual §2.2, figure 5).
struct PhonePage: Sendable {
    var context: ShellContext
    var csrf: String
    var phone = ""
    var errors = FormErrors()

    static let mock = PhonePage(context: .anonymous, csrf: "token")

    func render() -> HTML {
        Layout.page(
            title: "Номер телефона", context: context,
            content: """
                <section class="auth-card">
                <h1>Номер телефона</h1>
                <p class="hint">Укажите телефон для связи. Без него продолжить работу с личным кабинетом невозможно.</p>
                <form method="post" action="\(SitePath.welcomePhone.path)" class="phone-form" novalidate>
                \(Forms.csrf(csrf))
                \(Forms.input(name: "phone", label: "Телефон", type: "tel", value: phone, error: errors["phone"], autocomplete: "tel", autofocus: true))
                <button class="button icon-button" type="submit" title="Сохранить" aria-label="Сохранить">\(Icons.save)</button>
                </form>
                </section>
                """)
    }
}

/// «Вспомнить пароль» (manual §2.4; AUTH-4).
struct RecoverPage: Sendable {
    var context: ShellContext
    var csrf: String
    var email = ""
    var errors = FormErrors()
    /// The e-mail belongs to several accounts: recovery by e-mail is not possible.
    var shared = false

    static let mock = RecoverPage(context: .anonymous, csrf: "token")

    func render() -> HTML {
        Layout.page(
            title: "Восстановление пароля", context: context,
            content: """
                <section class="auth-card">
                <h1>Восстановление пароля</h1>
                \(shared ? sharedMessage : form)
                <p class="auth-links"><a href="\(SitePath.login.path)">Вернуться ко входу</a></p>
                </section>
                """)
    }

    var form: HTML {
        """
        <p>Укажите адрес электронной почты, который вы указали при регистрации. Мы отправим на него код для смены пароля.</p>
        \(Forms.alert(errors.form))
        <form method="post" action="\(SitePath.recover.path)" novalidate>
        \(Forms.csrf(csrf))
        \(Forms.input(name: "email", label: "E-mail", type: "email", value: email, error: errors["email"], autocomplete: "email", autofocus: true))
        <button class="button button-wide" type="submit">Восстановить</button>
        </form>
        """
    }

    var sharedMessage: HTML {
        """
        <div class="alert alert-info" role="alert">
        <p>Этот адрес электронной почты указан в нескольких учетных записях, поэтому восстановить пароль по нему нельзя.</p>
        <p>Обратитесь в Интернет-приемную на официальном сайте сбытовой компании и сообщите этот адрес электронной почты, последний известный вам логин и номер договора, привязанного к кабинету, в который нужно войти.</p>
        </div>
        """
    }
}
